"""issue 14: a follower's account moves, end to end on loopback with remotes that really sign.

The old account (on one server) follows the blog, then sends a signed `Move` to the new
account (on another server, listing the old one in `alsoKnownAs`). The blog's followers list
then names the new account, and the next post is delivered, signed, to the new server (which
verifies it) and not to the old one. A Move that reaches the shared inbox of an inbox hosting
several blogs moves each blog's follow after that blog's own checks, and no other."""

from __future__ import annotations

from urllib.parse import quote

from fedicore.vocab import AS_CONTEXT, PUBLIC
from tests.inbox.conftest import register
from tests.support.remote import FakeFediverse, HostBehaviour
from tests.support.server import eventually

SIGNED = HostBehaviour(verify_deliveries=True)  # POSTs to it must carry a signature that verifies


async def _followers_of(world, owner) -> list[str]:
    """The followers collection as its owner reads it (signed GET)."""
    url = world.inbox.url(f"/v1/{owner.handle}/followers")
    answer = await owner.get(world.client, url)
    assert answer.status_code == 200, answer.text
    return answer.json().get("orderedItems", [])


async def _follow(world, follower, blog) -> None:
    inbox = world.inbox.url(f"/v1/{blog.handle}/inbox")
    assert (await follower.post(world.client, inbox, follower.follow(blog.id))).status_code == 202
    await world.inbox.settle()


async def _publish(world, slug: str) -> None:
    note = {"id": world.post_url(slug), "type": "Note", "attributedTo": world.alice.id,
            "content": f"<p>{slug}</p>", "to": [PUBLIC],
            "cc": [world.inbox.url(f"/v1/{world.mention}/followers")],
            "published": "2026-01-02T00:00:00Z"}
    create = {"@context": AS_CONTEXT, "id": world.post_url(slug) + "#create", "type": "Create",
              "actor": world.alice.id, "object": note, "to": note["to"], "cc": note["cc"]}
    answer = await world.alice.post(world.client, world.inbox.url(f"/v1/{world.mention}/outbox"), create)
    assert answer.status_code == 202, answer.text


async def test_a_moved_follower_is_listed_and_gets_the_next_post_at_its_new_server(world) -> None:
    async with FakeFediverse(SIGNED) as old_server, FakeFediverse(SIGNED) as new_server:
        old = old_server.actor("bob", key_index=5)
        new = new_server.actor("bob", key_index=6, also_known_as=[old.id])
        await _follow(world, old, world.alice)
        await eventually(lambda: old_server.delivered("Accept"))
        assert await _followers_of(world, world.alice) == [old.id]

        move = old.activity("Move", old.id, target=new.id)
        assert (await old.post(world.client, world.alice_inbox, move)).status_code == 202
        await world.inbox.settle()
        assert await _followers_of(world, world.alice) == [new.id]

        old_server.received.clear()
        await _publish(world, "first")
        [create] = await eventually(lambda: new_server.delivered("Create"),
                                    message="the new account's server gets the post")
        assert create["object"]["id"] == world.post_url("first")
        assert new_server.refused_deliveries == []  # its signature verified there
        assert {r.path for r in new_server.deliveries} <= {"/users/bob/inbox", "/inbox"}
        assert old_server.deliveries == []


async def test_a_move_at_the_shared_inbox_moves_the_follow_of_every_blog_it_follows(world) -> None:
    carol = world.blog.actor("carol", key_index=4)
    assert (await register(world.inbox, world.client, carol)).status_code == 201
    old = world.remote.actor("bob")
    new = world.remote.actor("bob2", also_known_as=[old.id])
    await _follow(world, old, world.alice)
    await _follow(world, old, carol)
    move = old.activity("Move", old.id, target=new.id)
    assert (await old.post(world.client, world.inbox.url("/v1/inbox"), move)).status_code == 202
    await world.inbox.settle()
    assert await _followers_of(world, world.alice) == [new.id]
    assert await _followers_of(world, carol) == [new.id]


async def test_a_move_at_the_shared_inbox_reaches_a_blog_listed_after_one_it_does_not_follow(
        world) -> None:
    carol = world.blog.actor("carol", key_index=4)
    assert (await register(world.inbox, world.client, carol)).status_code == 201
    old = world.remote.actor("bob")
    new = world.remote.actor("bob2", also_known_as=[old.id])
    await _follow(world, old, carol)  # not alice
    move = old.activity("Move", old.id, target=new.id)
    assert (await old.post(world.client, world.inbox.url("/v1/inbox"), move)).status_code == 202
    await world.inbox.settle()
    assert await _followers_of(world, carol) == [new.id]
    assert await _followers_of(world, world.alice) == []


async def test_a_move_to_one_blog_does_not_skip_another_blogs_approval(world) -> None:
    carol = world.blog.actor("carol", key_index=4)
    answer = await register(world.inbox, world.client, carol, manuallyApprovesFollowers=True)
    assert answer.status_code == 201
    old = world.remote.actor("bob")
    new = world.remote.actor("bob2", also_known_as=[old.id])
    await _follow(world, old, world.alice)
    await _follow(world, old, carol)
    [queued] = await world.inbox.db.fetchall(
        "SELECT activity_id FROM inbox_items WHERE state = 'queued' AND actor_mention = ?", (carol.handle,))
    approve = world.inbox.url(f"/v1/{carol.handle}/inbox/{quote(queued['activity_id'], safe='')}")
    assert (await carol.post(world.client, approve, b"")).status_code == 200
    assert await _followers_of(world, carol) == [old.id]

    move = old.activity("Move", old.id, target=new.id)  # to alice's own inbox only
    assert (await old.post(world.client, world.alice_inbox, move)).status_code == 202
    await world.inbox.settle()
    assert await _followers_of(world, world.alice) == [new.id]
    assert await _followers_of(world, carol) == [old.id]  # carol approves followers by hand
