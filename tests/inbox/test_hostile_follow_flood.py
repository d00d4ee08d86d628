"""issue 13 item 8: reflection and follow floods. Follows sent signed to the running inbox; the
answers, the followers kept and every delivery the inbox made are checked."""

from __future__ import annotations

import asyncio

from tests.inbox.hostile import assert_nothing_happened
from tests.support.remote import FakeFediverse


async def test_follow_whose_inbox_points_at_a_third_party_sends_nothing_there(world) -> None:
    async with FakeFediverse() as victim:
        bob = world.remote.actor("bob", extra={"inbox": f"{victim.base}/inbox",
                                               "endpoints": {"sharedInbox": f"{victim.base}/inbox"}})
        assert (await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))).status_code == 202
        await world.inbox.settle()
        await asyncio.sleep(0.3)
        assert victim.received == []
        await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_a_flood_of_new_followers_from_one_host_is_held_for_the_author(make_world) -> None:
    world = await make_world(settings={"new_followers_per_host_per_hour": 3, "backfill_count": 0})
    actors = [world.remote.actor(f"sock{n}", key_index=1) for n in range(6)]  # one key: cheap socks
    for actor in actors:
        assert (await actor.post(world.client, world.alice_inbox, actor.follow(world.alice.id))).status_code == 202
        await world.inbox.settle()
    assert await world.inbox.count("followers") == 3
    assert await world.inbox.count("inbox_items", "kind = 'follow' AND state = 'queued'") == 3
    await world.inbox.settle()
    accepts = await world.inbox.count("deliveries")
    assert accepts == 3  # one Accept per accepted follower, none for the held ones


async def test_a_burst_of_new_followers_from_one_host_processed_together_is_held_too(make_world) -> None:
    world = await make_world(settings={"new_followers_per_host_per_hour": 3, "backfill_count": 0})
    actors = [world.remote.actor(f"sock{n}", key_index=1) for n in range(6)]
    for actor in actors:  # all stored before processing starts: one batch, six authors side by side
        assert (await actor.post(world.client, world.alice_inbox, actor.follow(world.alice.id))).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("followers") == 3
    assert await world.inbox.count("inbox_items", "kind = 'follow' AND state = 'queued'") == 3


async def test_follows_from_one_address_beyond_the_limit_get_429(make_world) -> None:
    world = await make_world(settings={"follows_per_address_per_minute": 4})
    actors = [world.remote.actor(f"sock{n}", key_index=1) for n in range(6)]
    answers = [(await a.post(world.client, world.alice_inbox, a.follow(world.alice.id))) for a in actors]
    assert [a.status_code for a in answers] == [202] * 4 + [429] * 2
    assert all(a.headers.get("Retry-After") for a in answers[4:])
    assert answers[4].json()["error"] == "too_many_follows"
    await world.inbox.settle()
    assert await world.inbox.count("activities") == 4
