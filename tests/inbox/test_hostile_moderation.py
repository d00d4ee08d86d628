"""issue 13 items 2 and 4: a Move's target and an edited reply pass moderation again; sent
signed to the running inbox, then the followers, the items and the deliveries are checked."""

from __future__ import annotations

import time

from inbox.moderation.patterns import parse_pattern
from inbox.storage import moderation as moderation_store
from tests.inbox.test_hostile_publishing import _replies_url, approve_all
from tests.support.server import eventually


async def _followers(world) -> list[str]:
    return [r["follower_id"] for r in await world.inbox.db.fetchall("SELECT follower_id FROM followers")]


async def _follow(world, actor) -> None:
    await actor.post(world.client, world.alice_inbox, actor.follow(world.alice.id))
    await approve_all(world)
    await eventually(lambda: world.remote.delivered("Accept"))  # before counting later deliveries


async def _move(world, origin, target) -> None:
    world.remote.received.clear()
    answer = await origin.post(world.client, world.alice_inbox, origin.activity("Move", origin.id, target=target.id))
    assert answer.status_code == 202
    await world.inbox.settle()


# --- 2. Move ---------------------------------------------------------------------------------

async def test_move_to_a_blocked_actor_does_not_make_it_a_follower(world) -> None:
    bob = world.remote.actor("bob")
    mallory = world.remote.actor("mallory", also_known_as=[bob.id])
    await moderation_store.put_entries(world.inbox.db, world.mention, "block", [parse_pattern(mallory.handle)],
                                       expires_at=None, reason="test", who="test", now=time.time())
    await _follow(world, bob)
    await _move(world, bob, mallory)
    assert await _followers(world) == [bob.id]
    assert world.remote.deliveries == []


async def test_move_on_a_blog_approving_by_hand_does_not_skip_the_approval(make_world) -> None:
    world = await make_world(manuallyApprovesFollowers=True)
    bob = world.remote.actor("bob")
    stranger = world.remote.actor("stranger", also_known_as=[bob.id])
    await _follow(world, bob)
    assert await _followers(world) == [bob.id]
    await _move(world, bob, stranger)
    assert await _followers(world) == [bob.id]
    assert world.remote.deliveries == []


async def test_move_to_an_allowed_target_still_moves_the_follow(world) -> None:
    bob = world.remote.actor("bob")
    bob2 = world.remote.actor("bob2", also_known_as=[bob.id])
    await _follow(world, bob)
    await _move(world, bob, bob2)
    assert await _followers(world) == [bob2.id]


# --- 4. edits after approval -----------------------------------------------------------------

async def _approved_reply(world, bob) -> dict:
    note = bob.note("<p>a kind word</p>", in_reply_to=world.post_url())
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await approve_all(world)
    return note


async def _edit(world, bob, note, content: str) -> None:
    edited = dict(note, content=content, updated="2026-01-02T00:00:00Z")
    assert (await bob.post(world.client, world.alice_inbox, bob.activity("Update", edited))).status_code == 202
    await world.inbox.settle()


async def test_an_approved_reply_edited_into_spam_keeps_showing_the_approved_version(world) -> None:
    bob = world.remote.actor("bob")
    note = await _approved_reply(world, bob)
    await _edit(world, bob, note, "<p>BUY CHEAP PILLS</p>")
    [shown] = (await world.client.get(_replies_url(world))).json()["orderedItems"]
    assert shown["content"] == "<p>a kind word</p>"
    assert shown["id"] == note["id"] and shown["attributedTo"] == bob.id
    # the edit waits in the author's queue
    queue = await world.alice.get(world.client, world.inbox.url(f"/v1/{world.mention}/inbox"))
    assert "BUY CHEAP PILLS" in queue.text


async def test_an_approved_edit_replaces_the_reply_and_keeps_its_identity_and_history(world) -> None:
    bob = world.remote.actor("bob")
    note = await _approved_reply(world, bob)
    await _edit(world, bob, note, "<p>a kinder word</p>")
    await approve_all(world)
    [shown] = (await world.client.get(_replies_url(world))).json()["orderedItems"]
    assert shown["content"] == "<p>a kinder word</p>"
    assert shown["id"] == note["id"] and shown["attributedTo"] == bob.id
    assert await world.inbox.count("inbox_items", "kind = 'reply'") == 1
    history = await world.inbox.db.fetchall("SELECT content_html FROM reply_history ORDER BY replaced_at")
    assert [r["content_html"] for r in history] == ["<p>a kind word</p>"]
