"""Threads and quotes against the pinned Fedify peer: its reply to a reply under the blog's post
is filed under the post, and it verifies the signed answer to its QuoteRequest."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest

from fedicore import documents, quotes
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.support.server import eventually

pytestmark = pytest.mark.interop


async def peer_call(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def _blog(make_world, peer):
    world = await make_world()
    world.alice.extra = {"inbox": world.alice_inbox,
                         "endpoints": {"sharedInbox": world.inbox.url("/v1/inbox")},
                         "followers": world.inbox.url(f"/v1/{world.mention}/followers")}
    followers = world.inbox.url(f"/v1/{world.mention}/followers")
    info = documents.PostInfo(
        id=world.post_url(), url=world.post_url(), attributed_to=world.alice.id, followers=followers,
        content_html="<p>hello</p>", published="2026-01-01T00:00:00Z",
        interaction_policy=quotes.interaction_policy("public", actor_id=world.alice.id, followers=followers))
    world.blog.serve("/ap/posts/hello.json", documents.post_document(info))
    username = peer.actor_url.rsplit("/", 1)[1]
    world.inbox.app.state.settings.admins.append(f"@{username}@{peer.url.split('//', 1)[1]}")
    return world


async def test_fedify_reply_to_a_reply_is_filed_under_the_post(make_world, peer) -> None:
    world = await _blog(make_world, peer)
    bob = world.remote.actor("bob")
    world.inbox.app.state.settings.admins.append(bob.handle)
    first = bob.note("<p>level one</p>", in_reply_to=world.post_url())
    world.remote.serve(first["id"].removeprefix(world.remote.base),
                       {"@context": "https://www.w3.org/ns/activitystreams", **first})
    await bob.post(world.client, world.alice_inbox, bob.create(first))
    await world.inbox.settle()

    # Fedify answers Bob (it fetches Bob's note) and sends its reply to the blog
    sent = await peer_call(peer.reply, first["id"], "<p>level two from Fedify</p>", world.alice.id)
    note_id = sent["activity"]["object"]["id"]
    row = await eventually(lambda: world.inbox.db.fetchone(
        "SELECT object_id FROM inbox_items WHERE note_id = ?", (note_id,)), timeout=10)
    assert row["object_id"] == world.post_url()  # under the post, not the actor
    url = world.inbox.url(f"/v1/{world.mention}/inbox/replies/{quote(world.post_url(), safe='')}")
    replies = (await world.client.get(url)).json()["orderedItems"]
    assert [(r["id"], r["inReplyTo"]) for r in replies][-1] == (note_id, first["id"])


async def test_fedify_quote_request_gets_an_accept_it_verifies(make_world, peer) -> None:
    world = await _blog(make_world, peer)
    request = {"@context": ["https://www.w3.org/ns/activitystreams",
                            {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}],
               "id": f"{peer.url}/quote-requests/1", "type": "QuoteRequest", "actor": peer.actor_url,
               "object": world.post_url(), "instrument": f"{peer.url}/notes/quoting"}
    await peer_call(peer.send, world.alice_inbox, request)
    [accept] = await peer_call(peer.wait_for, "Accept")  # passed Fedify's signature verification
    assert accept["actor"] == world.alice.id
    url = world.inbox.url(f"/v1/{world.mention}/inbox/quotes/{quote(world.post_url(), safe='')}")
    assert (await world.client.get(url)).json()["totalItems"] == 1
