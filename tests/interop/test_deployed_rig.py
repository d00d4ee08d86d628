"""The whole social loop through remotes that behave like deployed servers (the rig in
``tests/support/remote.py`` with the presets of ``tests/support/deployed.py``):

follow → post → edit → delete → reply → like → boost → pull → unfollow

once per behaviour, each switched on alone, and once per preset server (GoToSocial, apex,
snac, Mastodon, Mastodon in secure mode) with its habits all at once. The blog is real (built by the publisher, served on 127.0.0.1), the inbox
is the real app, and the rig host really verifies what it is sent when its behaviour says so:
signed GETs of its actors, signatures on deliveries, ActivityStreams content types.
"""

from __future__ import annotations

import json

import httpx
import pytest

from sitegen.social import publish_site, pull_site, register_site
from tests.social.site_world import site_world, write_post
from tests.support import deployed
from tests.support.remote import FakeFediverse
from tests.support.server import eventually

BEHAVIOURS = ["gzip", "path_key_id", "actor_key_id", "ld_json", "signed_fetch", "strict_types",
              "canonical_redirect", "slow", "gotosocial", "apex", "snac", "mastodon",
              "mastodon_secure"]


def _deliveries(remote: FakeFediverse, type_: str, object_id: str | None = None) -> list[dict]:
    found = []
    for received in remote.deliveries:
        if received in remote.refused_deliveries:
            continue
        activity = received.json()
        obj = activity.get("object")
        if activity.get("type") == type_ and (
                object_id is None or (obj.get("id") if isinstance(obj, dict) else obj) == object_id):
            found.append(activity)
    return found


async def _delivered(remote: FakeFediverse, type_: str, object_id: str | None = None) -> dict:
    found = await eventually(lambda: _deliveries(remote, type_, object_id), timeout=20,
                             message=f"no {type_} of {object_id} reached the rig host")
    return found[-1]


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
async def test_the_social_loop_through_a_deployed_style_host(tmp_path, behaviour) -> None:
    posts = {"first": {"title": "First"}, "second": {"title": "Second",
                                                    "date": "2026-01-03T10:00:00Z"}}
    async with site_world(tmp_path, posts=posts) as world, \
            FakeFediverse(deployed.ALL[behaviour]) as remote, \
            httpx.AsyncClient(timeout=20) as client:
        actor_url = f"{world.base_url}/ap/actor.json"
        blog = json.loads((world.out / "ap" / "actor.json").read_text())
        inbox = (blog["endpoints"]["sharedInbox"] if remote.behaviour.shared_inbox
                 else blog["inbox"])
        followers_url = blog["followers"]  # what a server reads for the follower count
        await world.call(register_site, world.root)
        allowed = await world.as_blog("POST", "/allowlist", text=f"@*@{remote.base.split('//')[1]}\n")
        assert allowed.status == 200, allowed.text
        await world.call(publish_site, world.root, mark_only=True)
        bob = remote.actor("bob", extra={"name": "Bob Builder"})

        # follow: 202, and a signed Accept the host verifies reaches bob
        follow = bob.follow(actor_url)
        answer = await bob.post(client, inbox, follow)
        assert answer.status_code == 202, answer.text
        accept = await _delivered(remote, "Accept")
        assert (accept["object"]["id"] if isinstance(accept["object"], dict)
                else accept["object"]) == follow["id"]
        followers = await remote.read_collection(bob, followers_url)
        assert isinstance(followers, dict) and followers["totalItems"] == 1, followers

        # post, edit, delete: each reaches the host, signed, AS-typed
        write_post(world.root, "third", title="Third", body="A new post.",
                   date="2026-01-04T10:00:00Z")
        world.build()
        await world.call(publish_site, world.root)
        await _delivered(remote, "Create", world.post_id("third"))
        write_post(world.root, "third", title="Third", body="Edited.", date="2026-01-04T10:00:00Z")
        world.build()
        await world.call(publish_site, world.root)
        update = await _delivered(remote, "Update", world.post_id("third"))
        assert "Edited." in update["object"]["content"]
        (world.root / "content" / "posts" / "second.md").unlink()
        world.build()
        await world.call(publish_site, world.root)
        await _delivered(remote, "Delete", world.post_id("second"))

        # reply, like, boost: accepted (the inbox read bob's key the host's way)
        note = bob.note("<p>Nice post</p>", in_reply_to=world.post_id("first"))
        for activity in (bob.create(note), bob.activity("Like", world.post_id("first")),
                         bob.activity("Announce", world.post_id("first"), to=[
                             "https://www.w3.org/ns/activitystreams#Public"])):
            answer = await bob.post(client, inbox, activity)
            assert answer.status_code == 202, (activity["type"], answer.text)
        await world.inbox.settle(timeout=20)

        # pull: the reply with its author's name (a signed, decoded GET where needed)
        await world.call(pull_site, world.root, allow_private=True)
        data = json.loads((world.root / "data" / "interactions.json").read_text())
        assert data["first"]["likes"] == 1 and data["first"]["boosts"] == 1, data
        [reply] = data["first"]["replies"]
        assert reply["author_name"] == "Bob Builder" and "Nice post" in reply["content_html"]

        # unfollow: the follower is gone from the collection the host reads
        answer = await bob.post(client, inbox, bob.activity("Undo", follow))
        assert answer.status_code == 202, answer.text
        await world.inbox.settle(timeout=20)
        followers = await remote.read_collection(bob, followers_url)
        assert isinstance(followers, dict) and followers["totalItems"] == 0, followers

    assert remote.refused_fetches == [], [r.path for r in remote.refused_fetches]
    assert remote.refused_deliveries == [], [r.path for r in remote.refused_deliveries]


async def test_a_deleted_actor_answers_gone_and_pull_keeps_the_reply_with_a_fallback_name(tmp_path) -> None:
    async with site_world(tmp_path) as world, FakeFediverse(deployed.GOTOSOCIAL) as remote, \
            httpx.AsyncClient(timeout=20) as client:
        inbox = world.inbox.url(f"/v1/{world.mention}/inbox")
        await world.call(register_site, world.root)
        await world.as_blog("POST", "/allowlist", text=f"@*@{remote.base.split('//')[1]}\n")
        bob = remote.actor("bob", extra={"name": "Bob Builder"})
        note = bob.note("<p>Before I left</p>", in_reply_to=world.post_id("first"))
        assert (await bob.post(client, inbox, bob.create(note))).status_code == 202
        await world.inbox.settle(timeout=20)
        remote.gone.add("bob")
        # a new key fetch now answers 410: bob's later activity is refused, not a 500
        carol = remote.actor("carol")
        remote.gone.add("carol")
        refused = await carol.post(client, inbox, carol.activity("Like", world.post_id("first")))
        assert refused.status_code == 401, refused.text
        assert "error" in refused.json()
        await world.call(pull_site, world.root, allow_private=True)
        [reply] = json.loads((world.root / "data" / "interactions.json").read_text())["first"]["replies"]
        assert reply["author_name"] == "bob" and "Before I left" in reply["content_html"]
