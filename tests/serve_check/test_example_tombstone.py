"""The example site shows a deleted post: `data/tombstones.json` names one, so the built site
serves a `Tombstone` at its ActivityPub URL and answers 410 for its page, as a reader and a
server re-fetching it would see on a blog that deleted a post."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.serve_check.conftest import serving_built
from tests.support.example_site import EXAMPLE, copy_example

DELETED = "old-announcement"  # the post the example blog deleted (data/tombstones.json)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    site = copy_example(tmp_path_factory.mktemp("tombstone") / "site")
    with serving_built(site) as url:
        yield site, url


def test_the_example_registry_names_a_deleted_post_that_has_no_source():
    registry = json.loads((EXAMPLE / "data" / "tombstones.json").read_text())
    assert DELETED in registry
    assert not (EXAMPLE / "content" / "posts" / f"{DELETED}.md").exists()


def test_the_example_deleted_post_is_a_tombstone_at_its_activitypub_url(served):
    site, url = served
    answer = httpx.get(f"{url}/ap/posts/{DELETED}.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/activity+json")
    tomb = answer.json()
    assert tomb["type"] == "Tombstone" and tomb["id"] == f"{url}/ap/posts/{DELETED}.json"
    assert tomb["formerType"] == "Article" and tomb["deleted"].endswith("Z")
    assert DELETED in (site / "_site" / "_fedipress" / "gone.txt").read_text().split()


def test_the_example_deleted_post_page_answers_410_and_negotiates_the_tombstone(served):
    _, url = served
    page = httpx.get(f"{url}/posts/{DELETED}/")
    assert page.status_code == 410 and page.json()["error"] == "gone"
    doc = httpx.get(f"{url}/posts/{DELETED}/", headers={"Accept": "application/activity+json"})
    assert doc.status_code == 200 and doc.json()["type"] == "Tombstone"


def test_the_example_host_rules_answer_410_for_the_deleted_post(served):
    site, _ = served
    out = site / "_site"
    assert f"respond /posts/{DELETED}/* 410" in (out / "_fedipress" / "Caddyfile").read_text()
    assert f"location ^~ /posts/{DELETED}/ {{" in (out / "_fedipress" / "nginx.conf").read_text()
    assert f"/posts/{DELETED}/* /posts/{DELETED}/gone 410!" in (out / "_redirects").read_text()
    assert f"RewriteRule ^posts/{re.escape(DELETED)}(/.*)?$ - [G]" in (out / ".htaccess").read_text()


def test_the_example_home_page_does_not_list_the_deleted_post(served):
    site, _ = served
    assert DELETED not in (site / "_site" / "index.html").read_text()
