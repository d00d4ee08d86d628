"""The inbox against the pinned Fedify peer (a real Fedify server on 127.0.0.1): it follows the
blog and verifies our Accept with its own signature checks, likes, replies, unfollows."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.server import eventually

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def fedify():
    from tests.interop.peer import fedify_peer, node_missing_reason

    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)
    with fedify_peer(username="inboxpeer") as peer:
        yield peer


async def peer(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def test_fedify_follows_likes_replies_and_unfollows(make_world, fedify) -> None:
    fedify.reset()
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

    await peer(fedify.follow, world.alice.id)
    [accept] = await peer(fedify.wait_for, "Accept")  # passed Fedify's signature verification
    assert accept["actor"] == world.alice.id
    assert await world.inbox.count("followers", "follower_id = ?", (fedify.actor_url,)) == 1

    world.inbox.app.state.settings.admins.append(f"@inboxpeer@{fedify.url.split('//', 1)[1]}")
    await peer(fedify.like, post)
    await eventually(lambda: world.inbox.count("inbox_items", "kind = 'like' AND state = 'approved'"), timeout=10)

    sent = await peer(fedify.reply, post, "<p>Nice <script>x()</script>post</p>")
    note_id = sent["activity"]["object"]["id"]
    row = await eventually(lambda: world.inbox.db.fetchone(
        "SELECT content_html FROM inbox_items WHERE note_id = ?", (note_id,)), timeout=10)
    assert row["content_html"] == "<p>Nice post</p>"

    await peer(fedify.unlike, post)
    await eventually(lambda: _no_likes(world), timeout=10)
    await peer(fedify.unfollow, world.alice.id)
    await eventually(lambda: _no_followers(world), timeout=10)


async def _no_likes(world) -> bool:
    return await world.inbox.count("inbox_items", "kind = 'like'") == 0


async def _no_followers(world) -> bool:
    return await world.inbox.count("followers") == 0
