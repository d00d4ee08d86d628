"""`fedipress serve` builds a local site for the address it serves, so ids are URLs that answer.

The choice is ``served_base_url``'s; tests/serve_check/test_serve_cli.py runs `fedipress serve`
and checks that the served ids answer."""

from __future__ import annotations

import pytest

from sitegen.cli import served_base_url


@pytest.mark.parametrize(("configured", "host", "port", "expected"), [
    ("http://127.0.0.1:8000", "127.0.0.1", 8000, None),
    ("http://localhost:8000", "127.0.0.1", 8000, None),
    ("http://127.0.0.1:8000", "127.0.0.1", 9001, "http://127.0.0.1:9001"),
    ("http://localhost:8000", "::1", 9002, "http://[::1]:9002"),
    ("http://127.0.0.1:8000", "0.0.0.0", 9003, "http://127.0.0.1:9003"),
    ("http://localhost", "127.0.0.1", 80, None),
    ("http://127.0.0.1:8000", "localhost", 8080, "http://localhost:8080"),
])
def test_local_base_url_follows_the_served_address(configured, host, port, expected):
    assert served_base_url(configured, host, port) == expected


def test_public_base_url_is_replaced_by_the_served_address_for_a_preview():
    assert served_base_url("https://blog.example", "127.0.0.1", 9000) == "http://127.0.0.1:9000"
    assert served_base_url("https://blog.example", "0.0.0.0", 80) == "http://127.0.0.1"

