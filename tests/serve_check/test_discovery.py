"""Finding and following the blog: rel=alternate, content negotiation, WebFinger for the blog's
own account only, indexable/discoverable, attributionDomains, FEP-2c59, link previews — built,
served by `fedipress serve`, and verified by `fedipress check` on the served URL."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from sitegen.check import folder_fetcher, run_check
from sitegen.cli import run_build
from sitegen.discovery_checks import page_meta
from sitegen.site_checks import Fetched, alternate_activity_links, check_documents
from tests.serve_check.conftest import point_inbox_at, serving_built, start_inbox
from tests.support.example_site import copy_example

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    site = copy_example(tmp_path_factory.mktemp("discovery") / "site")
    run_build(site, quiet=True)
    return site


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example built for the port it is served on, as `fedipress serve` does."""
    site = copy_example(tmp_path_factory.mktemp("served") / "site")
    inbox = start_inbox()  # `check` reads the followers collection on the inbox
    point_inbox_at(site, inbox)
    with serving_built(site) as url:
        yield url
    inbox.shutdown()
    inbox.server_close()


def test_home_page_links_the_actor_so_a_pasted_blog_url_finds_it(example):
    home = (example / "_site" / "index.html").read_text()
    assert alternate_activity_links(home) == [f"{BASE}/ap/actor.json"]


def test_actor_is_indexable_discoverable_attributable_and_names_its_webfinger(example):
    actor = json.loads((example / "_site" / "ap" / "actor.json").read_text())
    assert actor["indexable"] is True and actor["discoverable"] is True
    assert actor["attributionDomains"] == ["127.0.0.1"]
    assert actor["webfinger"] == "acct:alice@127.0.0.1:8000"
    [context_terms] = [entry for entry in actor["@context"] if isinstance(entry, dict)]
    assert "indexable" in context_terms and "attributionDomains" in context_terms


def test_indexable_and_discoverable_follow_the_settings(tmp_path):
    site = copy_example(tmp_path / "site")
    config = site / "fedipress.toml"
    config.write_text(config.read_text().replace("discoverable = true",
                                                 "discoverable = false\nindexable = false"))
    run_build(site, quiet=True)
    actor = json.loads((site / "_site" / "ap" / "actor.json").read_text())
    assert actor["indexable"] is False and actor["discoverable"] is False


def test_every_page_has_description_opengraph_and_creator_tags(example):
    out = example / "_site"
    for page in (out / "index.html", out / "posts" / "sunset" / "index.html",
                 out / "posts" / "morning-note" / "index.html"):
        meta = page_meta(page.read_text())
        for key in ("description", "og:title", "og:description", "og:url", "og:image",
                    "og:image:alt", "fediverse:creator"):
            assert meta.get(key), (page, key)
    sunset = page_meta((out / "posts" / "sunset" / "index.html").read_text())
    assert sunset["og:title"] == "Sunset over the harbour"
    assert sunset["og:image"] == f"{BASE}/images/sunset.png"
    assert sunset["og:image:alt"] == "An orange sky fading to pink over dark water"
    assert sunset["description"].startswith("The light lasted four minutes.")
    warned = page_meta((out / "posts" / "election-thoughts" / "index.html").read_text())
    assert "local election" not in warned["description"] + warned["og:title"]


def test_check_on_the_served_example_reports_every_discovery_point(served, capsys):
    assert run_check(served) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "links the actor by rel=alternate" in out
    assert f"Accept: application/activity+json -> {served}/ap/actor.json" in out
    assert f"Accept: application/activity+json -> {served}/ap/posts/" in out
    assert "other accounts are not found (404)" in out
    assert "indexable=True" in out and "attributionDomains=['127.0.0.1']" in out
    assert "description, OpenGraph and fediverse:creator tags" in out


def test_served_webfinger_answers_only_the_blogs_own_account(served):
    host = served.removeprefix("http://")
    ours = httpx.get(f"{served}/.well-known/webfinger", params={"resource": f"acct:alice@{host}"})
    assert ours.status_code == 200 and ours.json()["subject"] == f"acct:alice@{host}"
    other = httpx.get(f"{served}/.well-known/webfinger", params={"resource": f"acct:bob@{host}"})
    assert other.status_code == 404 and other.json()["error"] == "not_found"


def test_check_names_the_missing_host_setting_on_a_host_that_only_serves_files(example):
    """Right files and types, but no negotiation and a WebFinger that answers anyone."""
    out = example / "_site"
    files = folder_fetcher(out, BASE)

    def plain_host(url: str, accept: str) -> Fetched:
        return files(url.split("?")[0])

    findings = check_documents(files, BASE, check_types=False, negotiate=plain_host)
    failed = {(f.check, f.url): f.message for f in findings if not f.ok}
    home = failed[("negotiate", f"{BASE}/")]
    assert "add the content-negotiation rules" in home and "_fedipress/nginx.conf" in home
    assert ("negotiate", f"{BASE}/posts/") not in failed  # a post URL is checked, not the list
    assert any(check == "negotiate" and url.startswith(f"{BASE}/posts/") for check, url in failed)
    webfinger = next(m for (check, _u), m in failed.items() if check == "webfinger")
    assert "restrict WebFinger to acct:alice@127.0.0.1:8000" in webfinger


def test_check_fails_a_home_page_without_the_alternate_link(example, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(example / "_site", out)
    home = out / "index.html"
    home.write_text(home.read_text().replace('rel="alternate" type="application/activity+json"',
                                             'rel="author"'))
    findings = check_documents(folder_fetcher(out, BASE), BASE, check_types=False)
    assert any(not f.ok and f.check == "home page" and "pasting the blog's URL finds nothing"
               in f.message for f in findings)
