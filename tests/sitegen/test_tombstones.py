"""A deleted post leaves a Tombstone at its ActivityPub URL (servers that re-fetch see the
delete confirmed) and its page answers 410, until the author removes it from
`data/tombstones.json`."""

from __future__ import annotations

import json
import threading

import httpx

from sitegen.cli import run_build
from sitegen.serve import make_server

BASE = "http://127.0.0.1:8000"


def test_deleted_post_leaves_a_tombstone_and_is_listed_as_gone(site):
    run_build(site, quiet=True)
    (site / "content/posts/sunset.md").unlink()
    run_build(site, quiet=True)
    out = site / "_site"
    tomb = json.loads((out / "ap/posts/sunset.json").read_text())
    assert tomb["id"] == f"{BASE}/ap/posts/sunset.json"
    assert tomb["type"] == "Tombstone" and tomb["formerType"] == "Article"
    assert tomb["deleted"].endswith("Z")
    assert not (out / "posts/sunset/index.html").exists()
    assert "sunset" in json.loads((site / "data/tombstones.json").read_text())
    assert "location ^~ /posts/sunset/ {" in (out / "_fedipress/nginx.conf").read_text()
    assert "respond /posts/sunset/* 410" in (out / "_fedipress/Caddyfile").read_text()
    assert "RewriteRule ^posts/sunset(/.*)?$ - [G]" in (out / ".htaccess").read_text()
    assert "/posts/sunset/* /posts/sunset/gone 410!" in (out / "_redirects").read_text()
    # a later build keeps it
    run_build(site, quiet=True, force=True)
    assert json.loads((out / "ap/posts/sunset.json").read_text())["type"] == "Tombstone"


def test_served_deleted_post_page_is_410_and_its_document_the_tombstone(site):
    (site / "_site").mkdir()
    server = make_server(site / "_site", "127.0.0.1", 0, quiet=True)
    url = server.url.rstrip("/")
    run_build(site, base_url=url, quiet=True)
    (site / "content/posts/sunset.md").unlink()
    run_build(site, base_url=url, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = httpx.get(f"{url}/posts/sunset/")
        assert page.status_code == 410 and page.json()["error"] == "gone"
        doc = httpx.get(f"{url}/posts/sunset/", headers={"Accept": "application/activity+json"})
        assert doc.status_code == 200 and doc.json()["type"] == "Tombstone"
    finally:
        server.shutdown()
        server.server_close()


def test_author_removing_the_tombstone_entry_removes_the_document(site):
    run_build(site, quiet=True)
    (site / "content/posts/sunset.md").unlink()
    run_build(site, quiet=True)
    (site / "data/tombstones.json").write_text("{}")
    run_build(site, quiet=True)
    out = site / "_site"
    assert not (out / "ap/posts/sunset.json").exists()
    assert "sunset" not in (out / "_fedipress/gone.txt").read_text()


def test_a_post_back_under_its_old_slug_is_no_longer_gone(site):
    run_build(site, quiet=True)
    source = site / "content/posts/sunset.md"
    text = source.read_text()
    source.unlink()
    run_build(site, quiet=True)
    source.write_text(text)
    run_build(site, quiet=True)
    out = site / "_site"
    assert json.loads((out / "ap/posts/sunset.json").read_text())["type"] == "Article"
    assert "sunset" not in json.loads((site / "data/tombstones.json").read_text())
    assert "sunset" not in (out / "_fedipress/gone.txt").read_text()
