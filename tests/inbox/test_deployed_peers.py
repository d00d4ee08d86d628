"""The inbox with remotes that behave like deployed servers (``tests/support/deployed.py``):
each habit alone, through the running app, from the signed POST to what the remote reads back."""

from __future__ import annotations

import pytest

from fedicore.vocab import ACTIVITY_JSON, LD_JSON_AS
from tests.support import deployed
from tests.support.server import eventually


@pytest.mark.parametrize("name", ["gzip", "path_key_id", "actor_key_id", "ld_json", "signed_fetch",
                                  "gotosocial", "apex", "mastodon_secure"])
async def test_a_follow_from_a_deployed_style_host_is_accepted(world, name) -> None:
    world.remote.behaviour = deployed.ALL[name]
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    answer = await bob.post(world.client, world.alice_inbox, follow)
    assert answer.status_code == 202, answer.text
    accepts = await eventually(lambda: world.remote.delivered("Accept"), timeout=10,
                               message="no Accept reached the follower")
    assert accepts[0]["object"]["id"] == follow["id"]
    assert world.remote.refused_fetches == []


async def test_a_strict_host_reads_the_followers_collection_as_activity_streams(world) -> None:
    world.remote.behaviour = deployed.GOTOSOCIAL
    bob = world.remote.actor("bob")
    url = world.inbox.url(f"/v1/{world.mention}/followers")
    collection = await world.remote.read_collection(bob, url)
    assert isinstance(collection, dict), collection
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 0


@pytest.mark.parametrize("accept, served", [
    ("application/activity+json", ACTIVITY_JSON),
    (LD_JSON_AS, LD_JSON_AS),
    ("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\", "
     "application/activity+json;q=0.9", LD_JSON_AS),
    ("application/json", ACTIVITY_JSON),
    ("*/*", ACTIVITY_JSON),
])
@pytest.mark.parametrize("path", ["/followers", "/inbox/replies/{post}", "/inbox/likes/{post}",
                                  "/inbox/shares/{post}"])
async def test_every_collection_answers_an_activity_streams_content_type(world, accept, served,
                                                                         path) -> None:
    from urllib.parse import quote
    url = world.inbox.url(f"/v1/{world.mention}" + path.format(post=quote(world.post_url(), safe="")))
    answer = await world.client.get(url, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == served
