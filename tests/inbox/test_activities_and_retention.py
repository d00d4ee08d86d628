"""Activity builders (fedicore.activities) and the retention of processed activity ids."""

from __future__ import annotations

import time

from fedicore import activities
from fedicore.vocab import AS_CONTEXT

BLOG = "https://blog.example/ap/actor.json"
FOLLOW = {"@context": AS_CONTEXT, "id": "https://r.example/f/1", "type": "Follow",
          "actor": "https://r.example/u/bob", "object": BLOG}


def test_accept_embeds_the_follow_without_its_context_and_is_addressed_to_the_follower() -> None:
    accept = activities.accept(BLOG, FOLLOW)
    assert accept["type"] == "Accept" and accept["actor"] == BLOG
    assert accept["object"] == {k: v for k, v in FOLLOW.items() if k != "@context"}
    assert accept["to"] == ["https://r.example/u/bob"]
    assert accept["id"].startswith(BLOG + "#accepts/")


def test_answer_ids_are_stable_per_follow_and_differ_between_follows_and_kinds() -> None:
    second = dict(FOLLOW, id="https://r.example/f/2")
    assert activities.accept(BLOG, FOLLOW)["id"] == activities.accept(BLOG, FOLLOW)["id"]
    assert activities.accept(BLOG, FOLLOW)["id"] != activities.accept(BLOG, second)["id"]
    assert activities.accept(BLOG, FOLLOW)["id"] != activities.reject(BLOG, FOLLOW)["id"]


def test_delete_carries_a_tombstone_and_update_ids_change_with_the_object() -> None:
    delete = activities.delete(BLOG, "https://blog.example/ap/posts/a.json")
    assert delete["object"] == {"id": "https://blog.example/ap/posts/a.json", "type": "Tombstone"}
    note = {"id": "https://blog.example/ap/posts/a.json", "type": "Note", "updated": "2026-01-01T00:00:00Z"}
    later = dict(note, updated="2026-01-02T00:00:00Z")
    assert activities.update(BLOG, note)["id"] != activities.update(BLOG, later)["id"]
    assert activities.create(BLOG, note)["object"]["id"] == note["id"]


async def test_processed_activities_are_pruned_after_retention_but_followers_stay(world) -> None:
    bob = world.remote.actor("bob")
    await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    await world.inbox.settle()
    processor = world.inbox.app.state.processor
    assert await processor.prune() == 0
    await world.inbox.db.execute("UPDATE activities SET received_at = ?", (time.time() - 30 * 86400,))
    assert await processor.prune() == 1
    assert await world.inbox.count("activities") == 0
    assert await world.inbox.count("followers") == 1
