"""`fedipress serve --watch` as a user runs it: edits, new posts and removed posts appear on the
served site, whether the watcher's list of changed posts is used or a full scan is needed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from sitegen.manifest import rescan, scan_posts
from tests.sitegen.conftest import copy_example
from tests.support.server import free_port

POST = "+++\ndate = 2026-01-01T10:00:00Z\n+++\n{body}\n"


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])


def _until(url: str, predicate, log: Path, timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    answer: httpx.Response | None = None
    while True:
        try:
            answer = httpx.get(url, timeout=2)
            if predicate(answer):
                return answer
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            last = "no answer" if answer is None else f"{answer.status_code} {answer.text[:300]!r}"
            raise AssertionError(f"{url} never got there: {last}; server log:\n{_tail(log)}")
        time.sleep(0.1)


def test_serve_watch_shows_edits_new_posts_and_removals(tmp_path) -> None:
    site = copy_example(tmp_path / "site")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "fedipress", "serve", str(site), "--watch", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _until(f"{base}/posts/sunset/", lambda a: a.status_code == 200, log)
        sunset = site / "content/posts/sunset.md"
        sunset.write_text(sunset.read_text("utf-8") + "\nA line added while serving.\n", "utf-8")
        _until(f"{base}/posts/sunset/", lambda a: "A line added while serving." in a.text, log)

        (site / "content/posts/brand-new.md").write_text(POST.format(body="Fresh from the editor."))
        _until(f"{base}/posts/brand-new/", lambda a: "Fresh from the editor." in a.text, log)
        _until(f"{base}/", lambda a: "/posts/brand-new/" in a.text, log)

        (site / "content/posts/brand-new.md").unlink()
        _until(f"{base}/posts/brand-new/", lambda a: a.status_code == 410, log)  # gone

        config = site / "fedipress.toml"  # not a post: the rebuild scans everything
        config.write_text(config.read_text("utf-8").replace('title = "', 'title = "Watched: ', 1))
        _until(f"{base}/", lambda a: "Watched: " in a.text, log)
    finally:
        server.terminate()
        server.wait(10)


def test_rescan_updates_only_the_posts_the_watcher_named(tmp_path) -> None:
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    for name in ("a.md", "b.md", "c.md"):
        (posts / name).write_text(POST.format(body=name))
    before = scan_posts(posts)
    (posts / "a.md").write_text(POST.format(body="a, longer than before"))
    (posts / "c.md").unlink()
    (posts / "d.md").write_text(POST.format(body="d"))
    changed = {str(posts / name) for name in ("a.md", "c.md", "d.md")}
    assert rescan(before, posts, changed) == scan_posts(posts)


def test_rescan_asks_for_a_full_scan_when_anything_but_a_post_changed(tmp_path) -> None:
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "a.md").write_text(POST.format(body="a"))
    before = scan_posts(posts)
    assert rescan(before, posts, {str(tmp_path / "fedipress.toml")}) is None
    assert rescan(before, posts, {str(posts / "a.md.swp")}) is None
    (posts / "folder.md").mkdir()
    assert rescan(before, posts, {str(posts / "folder.md")}) is None
    assert rescan(before, posts, {str(posts / "nested" / "x.md")}) is None
    assert rescan(before, Path(posts), set()) == before
