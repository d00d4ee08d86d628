"""A running `fedipress serve` server on a free port, over a hand-made built site."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitegen.serve import SiteServer, make_server
from tests.serve_check.site_factory import BuiltSite, write_site


class Running:
    def __init__(self, server: SiteServer, site: BuiltSite) -> None:
        self.server = server
        self.site = site
        self.url = server.url.rstrip("/")


def start_server(out: Path) -> tuple[SiteServer, threading.Thread]:
    server = make_server(out, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[Running]:
    out = tmp_path / "_site"
    out.mkdir()
    server, thread = start_server(out)
    site = write_site(out, server.url)
    try:
        yield Running(server, site)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)
