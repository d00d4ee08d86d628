"""`fedipress serve` as a user runs it: builds for the address it serves (so ids are URLs that
answer), prints its URL, serves with the right content types, stops on Ctrl-C with exit code 0."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.example_site import copy_example


def test_fedipress_serve_builds_for_its_url_and_serves_the_site(tmp_path):
    site = copy_example(tmp_path / "site")
    fedipress = Path(sys.executable).with_name("fedipress")
    proc = subprocess.Popen([str(fedipress), "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        lines = []
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if match := re.search(r"^Serving .* at (http://127\.0\.0\.1:\d+)/", line):
                url = match.group(1)
        assert url, "".join(lines) or "no URL printed"
        # --port 0 serves elsewhere than the example's configured base_url, so the build
        # must have used the served address (sitegen.cli.served_base_url) for its ids
        assert url != "http://127.0.0.1:8000"

        actor = httpx.get(f"{url}/ap/actor.json", timeout=10)
        assert actor.status_code == 200
        assert actor.headers["content-type"] == "application/activity+json"
        assert actor.json()["id"] == f"{url}/ap/actor.json"
        assert actor.json()["outbox"] == f"{url}/ap/outbox.json"

        host = url.removeprefix("http://")
        webfinger = httpx.get(f"{url}/.well-known/webfinger?resource=acct:alice@{host}",
                              timeout=10)
        assert webfinger.status_code == 200
        assert webfinger.headers["content-type"] == "application/jrd+json"
        assert {link.get("href") for link in webfinger.json()["links"]} >= {actor.json()["id"]}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == 0
