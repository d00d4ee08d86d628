"""A running `fedipress serve` server on a free port, over a hand-made built site."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sitegen.cli import run_build
from sitegen.serve import SiteServer, make_server
from tests.serve_check.site_factory import BuiltSite, write_site


class Running:
    def __init__(self, server: SiteServer, site: BuiltSite) -> None:
        self.server = server
        self.site = site
        self.url = server.url.rstrip("/")


@contextmanager
def serving_built(site: Path) -> Iterator[str]:
    """``site`` built for the free port it is then served on (as `fedipress serve` does); yields
    the base URL and stops the server after."""
    (site / "_site").mkdir(exist_ok=True)  # the port must be known before building
    server = make_server(site / "_site", "127.0.0.1", 0, quiet=True)
    url = server.url.rstrip("/")
    run_build(site, base_url=url, quiet=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def start_server(out: Path) -> tuple[SiteServer, threading.Thread]:
    server = make_server(out, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return server, thread


class _FollowersInbox(BaseHTTPRequestHandler):
    """The inbox's followers collection, as the inbox serves it (``fedipress check`` asks)."""

    content_type = "application/activity+json"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type":
                           "OrderedCollection", "id": self.path, "totalItems": 3}).encode()
        self.send_response(200 if self.path.endswith("/followers") else 404)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def start_inbox(content_type: str = "application/activity+json") -> ThreadingHTTPServer:
    handler = type("Inbox", (_FollowersInbox,), {"content_type": content_type})
    inbox = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=inbox.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return inbox


def point_inbox_at(site: Path, inbox: ThreadingHTTPServer) -> None:
    """Make the site's inbox_url that of ``inbox`` (a followers collection `check` can read)."""
    config = site / "fedipress.toml"
    text = re.sub(r'(?m)^inbox_url = .*$',
                  f'inbox_url = "http://127.0.0.1:{inbox.server_address[1]}"', config.read_text())
    config.write_text(text)


@pytest.fixture
def followers_inbox() -> Iterator[ThreadingHTTPServer]:
    inbox = start_inbox()
    yield inbox
    inbox.shutdown()
    inbox.server_close()


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[Running]:
    out = tmp_path / "_site"
    out.mkdir()
    server, thread = start_server(out)
    inbox = start_inbox()
    site = write_site(out, server.url, inbox_url=f"http://127.0.0.1:{inbox.server_address[1]}")
    try:
        yield Running(server, site)
    finally:
        server.shutdown()
        server.server_close()
        inbox.shutdown()
        inbox.server_close()
        thread.join(timeout=2)
