"""`fedipress up` — the README's main command — builds, serves, runs the inbox and registers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.example_site import copy_example

FEDIPRESS = Path(sys.executable).with_name("fedipress")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_up_serves_the_site_and_registers_the_actor_with_its_inbox(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "site")
    site_port, inbox_port = free_port(), free_port()
    config = site / "fedipress.toml"
    text = config.read_text("utf-8")
    text = text.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{site_port}")
    text = text.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{inbox_port}")
    config.write_text(text, "utf-8")
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(FEDIPRESS), "up", str(site)], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + 60
        while "registered with" not in log.read_text("utf-8", "replace"):
            assert proc.poll() is None, log.read_text("utf-8", "replace")
            assert time.monotonic() < deadline, log.read_text("utf-8", "replace")
            time.sleep(0.2)
        actor = httpx.get(f"http://127.0.0.1:{site_port}/ap/actor.json")
        assert actor.headers["content-type"] == "application/activity+json"
        actor_doc = actor.json()
        mention = f"@alice@127.0.0.1:{site_port}"
        assert actor_doc["inbox"] == f"http://127.0.0.1:{inbox_port}/v1/{mention}/inbox"
        followers = httpx.get(actor_doc["followers"])
        assert followers.status_code == 200
        assert followers.json()["totalItems"] == 0
        webfinger = httpx.get(f"http://127.0.0.1:{site_port}/.well-known/webfinger",
                              params={"resource": f"acct:alice@127.0.0.1:{site_port}"})
        assert webfinger.headers["content-type"] == "application/jrd+json"
        assert (site / ".fedipress-data" / "inbox.sqlite3").is_file()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log.read_text("utf-8", "replace")
