"""The inbox against the pinned Fedify peer (a real Fedify server on 127.0.0.1): it follows the
blog and verifies our Accept with its own signature checks, likes, replies, unfollows."""

from __future__ import annotations

import asyncio

import pytest

from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.support.server import eventually

pytestmark = pytest.mark.interop


async def peer_call(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def test_fedify_follows_likes_replies_and_unfollows(make_world, peer) -> None:
    world = await make_world()
    # The blog's actor document points at this inbox, as a built site's would.
    world.alice.extra = {"inbox": world.alice_inbox,
                         "endpoints": {"sharedInbox": world.inbox.url("/v1/inbox")},
                         "followers": world.inbox.url(f"/v1/{world.mention}/followers")}
    post = world.post_url()
    world.blog.serve("/ap/posts/hello.json", {
        "@context": "https://www.w3.org/ns/activitystreams", "id": post, "type": "Note",
        "attributedTo": world.alice.id, "content": "<p>hello</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"]})

    await peer_call(peer.follow, world.alice.id)
    [accept] = await peer_call(peer.wait_for, "Accept")  # passed Fedify's signature verification
    assert accept["actor"] == world.alice.id
    assert await world.inbox.count("followers", "follower_id = ?", (peer.actor_url,)) == 1

    username = peer.actor_url.rsplit("/", 1)[1]
    world.inbox.app.state.settings.admins.append(f"@{username}@{peer.url.split('//', 1)[1]}")
    await peer_call(peer.like, post)
    await eventually(lambda: world.inbox.count("inbox_items", "kind = 'like' AND state = 'approved'"), timeout=10)

    sent = await peer_call(peer.reply, post, "<p>Nice <script>x()</script>post</p>")
    note_id = sent["activity"]["object"]["id"]
    row = await eventually(lambda: world.inbox.db.fetchone(
        "SELECT content_html FROM inbox_items WHERE note_id = ?", (note_id,)), timeout=10)
    assert row["content_html"] == "<p>Nice post</p>"

    await peer_call(peer.unlike, post)
    await eventually(lambda: _no_likes(world), timeout=10)
    await peer_call(peer.unfollow, world.alice.id)
    await eventually(lambda: _no_followers(world), timeout=10)


async def _no_likes(world) -> bool:
    return await world.inbox.count("inbox_items", "kind = 'like'") == 0


async def _no_followers(world) -> bool:
    return await world.inbox.count("followers") == 0
