"""Fedify, an independent implementation, resolves the built example site served by
`fedipress serve`: WebFinger -> actor -> key -> outbox -> posts, and follows the blog."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.check import run_check
from sitegen.serve import make_server
from tests.interop.receiver import Receiver, python_receiver
from tests.support.example_site import copy_example

pytestmark = pytest.mark.interop
HERE = Path(__file__).resolve().parent


@dataclass
class ServedExample:
    url: str
    out: Path
    site: Path
    inbox: Receiver


@pytest.fixture(scope="module")
def served_example(tmp_path_factory) -> Iterator[ServedExample]:
    """example-site copied, pointed at a Python inbox, built by the real CLI, then served."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    tmp = tmp_path_factory.mktemp("example")
    site = copy_example(tmp / "site")
    out = tmp / "out"
    out.mkdir()
    server = make_server(out, "127.0.0.1", 0, quiet=True)
    base = server.url.rstrip("/")
    with python_receiver() as inbox:
        config = site / "fedipress.toml"
        config.write_text(re.sub(r'(?m)^inbox_url = .*$', f'inbox_url = "{inbox.url}"',
                                 config.read_text()))
        fedipress = Path(sys.executable).with_name("fedipress")
        build = subprocess.run([str(fedipress), "build", str(site), "--out", str(out),
                                "--base-url", base, "--quiet"],
                               capture_output=True, text=True, timeout=120)
        assert build.returncode == 0, build.stderr
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield ServedExample(base, out, site, inbox)
        finally:
            server.shutdown()
            server.server_close()


def resolve(url: str) -> dict:
    # the acct is given, as a server knows the handle it looks up: the blog's WebFinger
    # answers only ?resource=acct:<its own account> (404 for a bare or other query)
    acct = f"alice@{url.split('//', 1)[1]}"
    done = subprocess.run(["node", str(HERE / "resolve.mjs"), url, "--acct", acct], cwd=HERE,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_fedify_resolves_actor_key_outbox_and_post(served_example):
    got = resolve(served_example.url)
    actor_doc = json.loads((served_example.out / "ap/actor.json").read_text())
    assert got["steps"] == ["webfinger", "actor", "key", "outbox", "post"]
    assert got["webfinger"]["contentType"] == "application/jrd+json"
    assert got["webfinger"]["subject"] == f"acct:alice@{served_example.url.split('//')[1]}"
    assert got["actor"]["type"] == "Person"
    assert got["actor"]["preferredUsername"] == "alice"
    assert got["actor"]["id"] == actor_doc["id"] == f"{served_example.url}/ap/actor.json"
    assert got["key"]["owner"] == actor_doc["id"]
    assert got["key"]["pem"].strip() == actor_doc["publicKey"]["publicKeyPem"].strip()
    outbox_doc = json.loads((served_example.out / "ap/outbox.json").read_text())
    assert got["outbox"]["totalItems"] == outbox_doc["totalItems"] == len(got["outbox"]["items"])
    assert all(item["type"] == "Create" for item in got["outbox"]["items"])
    built_posts = {json.loads(p.read_text())["id"]: json.loads(p.read_text())
                   for p in (served_example.out / "ap/posts").glob("*.json")}
    for item in got["outbox"]["items"]:
        built = built_posts[item["object"]["id"]]
        assert item["object"]["content"] == built["content"]
        assert item["object"]["url"] == built["url"]
    assert got["post"]["id"] in built_posts
    assert got["post"]["content"] == built_posts[got["post"]["id"]]["content"]


def test_fedipress_check_passes_on_the_served_example(served_example, capsys):
    assert run_check(served_example.url) == 0, capsys.readouterr().out
    assert run_check(str(served_example.out)) == 0


def test_fedify_peer_follows_the_blog_and_its_inbox_verifies_the_signature(
        served_example, peer):
    actor_url = f"{served_example.url}/ap/actor.json"
    sent = peer.follow(actor_url)
    follow = served_example.inbox.wait_verified("Follow")
    assert follow.body["id"] == sent["id"] and follow.body["object"] == actor_url
    assert follow.path == f"/v1/@alice@{served_example.url.split('//')[1]}/inbox"


def test_fedify_peer_likes_and_replies_to_a_built_post(served_example, peer):
    post = next(iter(sorted((served_example.out / "ap/posts").glob("*.json"))))
    post_id = json.loads(post.read_text())["id"]
    peer.like(post_id)
    assert served_example.inbox.wait_verified("Like").body["object"] == post_id
    peer.reply(post_id, "<p>Great read</p>")
    create = served_example.inbox.wait_verified("Create")
    assert create.body["object"]["inReplyTo"] == post_id
