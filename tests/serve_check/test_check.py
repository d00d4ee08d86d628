"""`fedipress check` on a good site and on each way a site can be broken for Mastodon."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sitegen.check import alternate_activity_links, run_check
from tests.serve_check.site_factory import BuiltSite, write_site

BASE = "https://blog.example"


@pytest.fixture
def site(tmp_path: Path) -> BuiltSite:
    return write_site(tmp_path / "_site", BASE)


def edit_json(site: BuiltSite, relative: str, change) -> None:
    path = site.out / relative
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_good_built_folder_passes(site, capsys):
    assert run_check(str(site.out)) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "checks passed" in out
    assert "acct:alice@blog.example" in out


def test_good_served_site_passes_in_url_mode(served_site, capsys):
    assert run_check(served_site.url) == 0, capsys.readouterr().out


def test_post_id_not_matching_its_url_fails(site, capsys):
    edit_json(site, "ap/posts/hello-world.json",
              lambda d: d.update(id="https://blog.example/posts/hello-world.json"))
    assert run_check(str(site.out)) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "id is 'https://blog.example/posts/hello-world.json'" in out


def test_unparseable_public_key_fails(site, capsys):
    edit_json(site, "ap/actor.json", lambda d: d["publicKey"].update(
        publicKeyPem="-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"))
    assert run_check(str(site.out)) == 1
    assert "publicKeyPem does not parse" in capsys.readouterr().out


def test_key_owner_other_than_actor_fails(site, capsys):
    edit_json(site, "ap/actor.json",
              lambda d: d["publicKey"].update(owner="https://elsewhere.example/actor"))
    assert run_check(str(site.out)) == 1
    assert "publicKey.owner 'https://elsewhere.example/actor' is not the actor id" in \
        capsys.readouterr().out


def test_post_page_without_alternate_link_fails(site, capsys):
    (site.out / "posts/second/index.html").write_text("<html><head></head><body>x</body></html>")
    assert run_check(str(site.out)) == 1
    out = capsys.readouterr().out
    assert 'no <link rel="alternate" type="application/activity+json"' in out
    assert "https://blog.example/posts/second/" in out


def test_webfinger_subject_on_another_host_fails(site, capsys):
    edit_json(site, ".well-known/webfinger", lambda d: d.update(subject="acct:alice@other.example"))
    assert run_check(str(site.out)) == 1
    assert "is not the site host 'blog.example'" in capsys.readouterr().out


def test_webfinger_without_self_link_fails(site, capsys):
    edit_json(site, ".well-known/webfinger", lambda d: d.update(
        links=[link for link in d["links"] if link["rel"] != "self"]))
    assert run_check(str(site.out)) == 1
    assert "error:" in capsys.readouterr().err  # no base URL can be derived at all


def test_webfinger_username_not_matching_actor_fails(site, capsys):
    edit_json(site, ".well-known/webfinger", lambda d: d.update(subject="acct:bob@blog.example"))
    assert run_check(str(site.out)) == 1
    assert "preferredUsername 'alice' does not match WebFinger 'bob@blog.example'" in \
        capsys.readouterr().out


def test_outbox_total_items_wrong_fails(site, capsys):
    edit_json(site, "ap/outbox.json", lambda d: d.update(totalItems=5))
    assert run_check(str(site.out)) == 1
    assert "totalItems is 5 but the pages hold 2 items" in capsys.readouterr().out


def test_outbox_item_that_is_not_create_fails(site, capsys):
    edit_json(site, "ap/outbox/page-1.json", lambda d: d["orderedItems"][0].update(type="Note"))
    assert run_check(str(site.out)) == 1
    assert "is not a Create activity" in capsys.readouterr().out


def test_outbox_object_missing_from_site_fails(site, capsys):
    (site.out / "ap/posts/second.json").unlink()
    assert run_check(str(site.out)) == 1
    assert "HTTP 404" in capsys.readouterr().out


def test_missing_folder_is_one_line_error(tmp_path, capsys):
    assert run_check(str(tmp_path / "nope")) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_unreachable_url_fails_cleanly(capsys):
    assert run_check("http://127.0.0.1:9") == 1
    assert "could not fetch" in capsys.readouterr().out


@pytest.fixture
def plain_static_host(tmp_path: Path):
    """Python's stock static server: .json as application/json, directories redirect."""
    out = tmp_path / "plain"
    out.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield write_site(out, base)
    server.shutdown()
    server.server_close()


def test_wrong_content_types_on_a_plain_host_fail_in_url_mode(plain_static_host, capsys):
    assert run_check(plain_static_host.base_url) == 1
    out = capsys.readouterr().out
    assert "/.well-known/webfinger" in out
    assert "expected application/jrd+json" in out


def test_actor_served_as_plain_json_fails(plain_static_host):
    """WebFinger right, ActivityPub documents as application/json: the GitHub Pages mistake."""
    from sitegen.check import Fetched, check_documents

    def fetch(url: str) -> Fetched:
        path = url.removeprefix(plain_static_host.base_url).split("?")[0]
        body = (plain_static_host.out / path.lstrip("/")).read_bytes() if "." in path else b""
        ctype = "application/jrd+json" if "webfinger" in path else "application/json"
        return Fetched(url, 200, {"content-type": ctype}, body)

    findings = check_documents(fetch, plain_static_host.base_url)
    bad = [f for f in findings if not f.ok]
    assert bad and bad[0].check == "actor"
    assert "served as 'application/json', expected application/activity+json" in bad[0].message


def test_redirected_document_fails(plain_static_host):
    from sitegen.check import Fetched, check_documents

    base = plain_static_host.base_url

    def fetch(url: str) -> Fetched:
        if url.endswith("/ap/actor.json"):
            return Fetched(url, 301, {"location": base + "/actor"})
        path = url.removeprefix(base).split("?")[0]
        return Fetched(url, 200, {"content-type": "application/jrd+json"},
                       (plain_static_host.out / path.lstrip("/")).read_bytes())

    findings = check_documents(fetch, base, check_types=False)
    assert any(not f.ok and "redirects (301)" in f.message for f in findings)


def test_alternate_links_are_found_whatever_the_attribute_order():
    html = ('<head><link href="https://b.example/ap/p.json" type="application/activity+json" '
            'rel="alternate"><link rel="stylesheet" href="/s.css"></head>')
    assert alternate_activity_links(html) == ["https://b.example/ap/p.json"]


def test_host_meta_without_webfinger_template_fails(site, capsys):
    (site.out / ".well-known/host-meta").write_text("<XRD></XRD>")
    assert run_check(str(site.out)) == 1
    assert "no lrdd template" in capsys.readouterr().out


def test_the_real_build_passes_check(tmp_path, capsys):
    import subprocess
    import sys

    from tests.support.example_site import copy_example

    site = copy_example(tmp_path / "site")
    fedipress = Path(sys.executable).with_name("fedipress")
    done = subprocess.run([str(fedipress), "build", str(site), "--out", str(tmp_path / "out"),
                           "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert run_check(str(tmp_path / "out")) == 0, capsys.readouterr().out


@pytest.mark.parametrize("value", [None, 5, [], {}, "x", [1, 2]])
@pytest.mark.parametrize(("relative", "key"), [
    ("ap/actor.json", "publicKey"), ("ap/actor.json", "outbox"), ("ap/actor.json", "type"),
    ("ap/outbox.json", "first"), ("ap/outbox.json", "totalItems"),
    ("ap/outbox/page-1.json", "orderedItems"), ("ap/posts/second.json", "url"),
    (".well-known/webfinger", "links"), (".well-known/webfinger", "subject"),
    ("nodeinfo/2.1.json", "protocols"), (".well-known/nodeinfo", "links"),
])
def test_odd_json_values_give_findings_not_exceptions(site, capsys, relative, key, value):
    edit_json(site, relative, lambda d: d.update({key: value}))
    assert run_check(str(site.out)) in (0, 1)
    captured = capsys.readouterr()
    assert "checks" in captured.out or captured.err.startswith("error: ")


def test_url_mode_fails_a_followers_collection_served_as_plain_json(tmp_path, capsys):
    """Servers refuse a followers collection that is not ActivityStreams-typed."""
    from tests.serve_check.conftest import start_inbox, start_server

    out = tmp_path / "_site"
    out.mkdir()
    server, _thread = start_server(out)
    inbox = start_inbox("application/json")
    try:
        write_site(out, server.url, inbox_url=f"http://127.0.0.1:{inbox.server_address[1]}")
        assert run_check(server.url.rstrip("/")) == 1
        out_text = capsys.readouterr().out
        assert "followers" in out_text and "served as 'application/json'" in out_text
    finally:
        server.shutdown()
        server.server_close()
        inbox.shutdown()
        inbox.server_close()


async def test_url_mode_decodes_gzip_answers_under_a_bound():
    """A site behind a compressing proxy: documents are decoded; a bomb is refused."""
    import asyncio
    import gzip

    import httpx

    from sitegen.check import MAX_DOCUMENT_BYTES, url_fetcher
    from tests.support.deployed import GZIP
    from tests.support.remote import FakeFediverse

    async with FakeFediverse(GZIP) as host:
        actor = host.serve("/ap/actor.json", {"id": host.base + "/ap/actor.json", "type": "Person"})
        bomb = host.serve("/ap/bomb.json", gzip.compress(b" " * (MAX_DOCUMENT_BYTES + 1)),
                          headers={"Content-Encoding": "gzip"})

        def fetch_both():
            with httpx.Client() as client:
                fetch = url_fetcher(client)
                return fetch(actor), fetch(bomb)

        got, refused = await asyncio.to_thread(fetch_both)
    assert host.fetches[0].headers["Accept-Encoding"] == "gzip, deflate"
    assert got.status == 200 and json.loads(got.body)["type"] == "Person"
    assert refused.status == 0 and b"larger than" in refused.body
