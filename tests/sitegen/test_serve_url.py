"""`fedipress serve` builds a local site for the address it serves, so ids are URLs that answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sitegen.cli import served_base_url

ROOT = Path(__file__).resolve().parents[2]


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


def test_public_base_url_is_kept_for_a_preview():
    assert served_base_url("https://blog.example", "127.0.0.1", 9000) is None


def test_serve_on_another_port_builds_ids_for_that_port(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "fedipress", "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=ROOT)
    try:
        url = None
        deadline = time.monotonic() + 60
        lines = []
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Serving "):
                url = line.split(" at ", 1)[1].split()[0].rstrip("/")
        assert url, "".join(lines)
        assert url != "http://127.0.0.1:8000"
        with urllib.request.urlopen(f"{url}/ap/actor.json", timeout=10) as response:
            actor = json.loads(response.read())
        assert actor["id"] == f"{url}/ap/actor.json"
        assert actor["outbox"] == f"{url}/ap/outbox.json"
        with urllib.request.urlopen(f"{url}/.well-known/webfinger", timeout=10) as response:
            jrd = json.loads(response.read())
        assert {link.get("href") for link in jrd["links"]} >= {actor["id"]}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
