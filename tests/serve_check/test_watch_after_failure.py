"""`serve --watch` after a failed rebuild: a post that broke the build is read again on the
next change, even when the watcher names only another post."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from tests.sitegen.conftest import copy_example
from tests.support.server import free_port


def _log_until(log_path, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        log = log_path.read_text("utf-8", errors="replace")
        if text in log:
            return log
        assert time.monotonic() < deadline, f"never saw {text!r} in:\n{log[-2000:]}"
        time.sleep(0.1)


def test_a_post_that_broke_the_build_still_breaks_it_after_another_edit(tmp_path) -> None:
    site = copy_example(tmp_path / "site")
    port, log_path = free_port(), tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-u", "-m", "fedipress", "serve", str(site), "--watch", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        _log_until(log_path, "Serving")
        broken = site / "content/posts/building-fast.md"
        broken.write_text(broken.read_text("utf-8").replace("+++\n", "+++\ntitle = \n", 1), "utf-8")
        _log_until(log_path, "rebuild failed")
        first_failure = log_path.read_text("utf-8").count("rebuild failed")

        other = site / "content/posts/sunset.md"
        other.write_text(other.read_text("utf-8") + "\nAnother line.\n", "utf-8")
        deadline = time.monotonic() + 30
        while log_path.read_text("utf-8").count("rebuild failed") == first_failure:
            assert "rebuilt" not in log_path.read_text("utf-8").split("rebuild failed")[-1], \
                "the rebuild after an unrelated edit succeeded although a post is still broken"
            assert time.monotonic() < deadline, log_path.read_text("utf-8")[-2000:]
            time.sleep(0.1)
        assert "Another line." not in httpx.get(f"http://127.0.0.1:{port}/posts/sunset/", timeout=5).text
    finally:
        server.terminate()
        server.wait(10)
