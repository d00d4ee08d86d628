"""A static host with no fediverse rules: Python's ``http.server`` serving the built folder
with the content types it guesses (``.json`` as application/json, the extension-less
WebFinger file as application/octet-stream), as a bare web host does before the build's host
rules are installed."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def plain_host(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free 127.0.0.1 port; yields the base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
