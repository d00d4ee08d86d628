"""`fedipress serve --drafts` previews drafts (never in the deployable output, never
published); `serve --watch` reloads the open page after each rebuild."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from sitegen.build import build_site
from tests.support.example_site import copy_example
from tests.support.server import free_port


def _until(url: str, predicate, proc, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited"
        try:
            answer = httpx.get(url, timeout=2)
            if predicate(answer):
                return answer
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never got there")


def test_drafts_build_renders_drafts_with_a_banner_and_a_normal_build_drops_them(tmp_path):
    site = copy_example(tmp_path / "site")
    out = tmp_path / "preview"
    build_site(site, out, version="t", drafts=True)
    page = (out / "posts/unfinished/index.html").read_text()
    assert "Not ready yet" in page and 'class="draft-banner"' in page
    build_site(site, out, version="t")
    assert not (out / "posts/unfinished/index.html").exists()
    assert not (out / "ap/posts/unfinished.json").exists()  # a draft leaves no Tombstone


def test_serve_drafts_previews_them_outside_the_deployable_folder(tmp_path):
    site = copy_example(tmp_path / "site")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "fedipress", "serve", str(site), "--drafts",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        page = _until(f"http://127.0.0.1:{port}/posts/unfinished/",
                      lambda a: a.status_code == 200, proc)
        assert "Not ready yet" in page.text
        assert not (site / "_site" / "posts" / "unfinished").exists()
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_watch_reloads_the_page_after_a_rebuild(tmp_path):
    site = copy_example(tmp_path / "site")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "fedipress", "serve", str(site), "--watch",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        page = _until(f"{base}/posts/sunset/", lambda a: a.status_code == 200, proc)
        assert '<script src="/_fedipress/live-reload.js"' in page.text
        assert "live-reload" not in (site / "_site/posts/sunset/index.html").read_text()
        script = httpx.get(f"{base}/_fedipress/live-reload.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        first = httpx.get(f"{base}/_fedipress/live-reload").json()["build"]
        sunset = site / "content/posts/sunset.md"
        time.sleep(0.5)  # the watcher is running once the page answers
        sunset.write_text(sunset.read_text() + "\nEdited.\n")
        _until(f"{base}/_fedipress/live-reload", lambda a: a.json()["build"] != first, proc)
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_without_watch_injects_nothing(served_site):
    page = httpx.get(served_site.url + "/")
    assert "live-reload" not in page.text
    assert httpx.get(served_site.url + "/_fedipress/live-reload").status_code == 404
