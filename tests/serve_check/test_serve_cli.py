"""`fedipress serve` as a user runs it: builds, prints its URL, serves, stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.example_site import copy_example


def test_fedipress_serve_prints_its_url_and_serves_the_built_site(tmp_path):
    site = copy_example(tmp_path / "site")
    fedipress = Path(sys.executable).with_name("fedipress")
    proc = subprocess.Popen([str(fedipress), "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if match := re.search(r"at (http://127\.0\.0\.1:\d+/)", line):
                url = match.group(1)
        assert url, proc.stderr.read() if proc.poll() is not None else "no URL printed"
        response = httpx.get(url + ".well-known/webfinger?resource=acct:alice@x", timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/jrd+json"
        actor = httpx.get(url + "ap/actor.json", timeout=5)
        assert actor.headers["content-type"] == "application/activity+json"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode == 0
