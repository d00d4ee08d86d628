"""Work shared by several nodes and workers on one database file (two real connections, as two
processes would have): who may claim what, when a dead holder's work is taken over, and how
fast a change made elsewhere reaches a node's caches."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from inbox.caches import LocalActorCache
from inbox.delivery import enqueue
from inbox.moderation.patterns import parse_pattern
from inbox.storage import deliveries as delivery_store
from inbox.storage import shared_work
from inbox.storage.activities import mark_all_processed
from inbox.storage.db import Database
from inbox.storage.moderation import put_entries
from tests.delivery.conftest import ACTOR, add_actor, note_activity

NOW = 1_800_000_000.0
LEASE = 60.0


@pytest.fixture
async def two(database_url, keypair):
    """Two connections to one database (file or server): two nodes, or two workers."""
    first = await Database.open(database_url)
    second = await Database.open(database_url, migrate=False)
    await add_actor(first, keypair)
    yield first, second
    await second.close()
    await first.close()


async def _fan_out(db: Database, hosts: int, per_host: int) -> None:
    inboxes = [f"http://host{h}.example/users/{n}/inbox" for h in range(hosts) for n in range(per_host)]
    await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=inboxes, now=NOW)


async def _claim(db: Database, worker: str, now: float = NOW, limit: int = 100) -> list[dict]:
    return await delivery_store.claim_due(db, worker_id=worker, now=now, lease_until=now + LEASE,
                                          limit=limit, per_host=2)


async def test_two_workers_never_hold_deliveries_to_the_same_host(two) -> None:
    first, second = two
    await _fan_out(first, hosts=4, per_host=5)
    mine = await _claim(first, "w1", limit=4)  # two hosts, two deliveries each
    theirs = await _claim(second, "w2")
    assert {r["host"] for r in mine} and {r["host"] for r in theirs}
    assert not {r["host"] for r in mine} & {r["host"] for r in theirs}
    assert not {r["id"] for r in mine} & {r["id"] for r in theirs}
    # The first worker may take more of its own hosts, never the second's.
    more = await _claim(first, "w1")
    assert {r["host"] for r in more} <= {r["host"] for r in mine}


async def test_a_dead_workers_hosts_go_to_another_worker_when_its_leases_expire(two) -> None:
    first, second = two
    await _fan_out(first, hosts=2, per_host=3)
    held = await _claim(first, "w1")
    assert {r["host"] for r in held} == {"host0.example", "host1.example"}
    assert await _claim(second, "w2", now=NOW + LEASE - 1) == []
    taken = await _claim(second, "w2", now=NOW + LEASE + 1)
    assert {r["id"] for r in taken} == {r["id"] for r in held}


async def _receive(db: Database, actor: str, activity_id: str, at: float) -> None:
    await db.execute(
        "INSERT INTO activities (id, actor, type, inbox_mention, raw, received_at) VALUES (?, ?, ?, ?, ?, ?)",
        (activity_id, actor, "Follow", ACTOR, b"{}", at))


async def _claim_activities(db: Database, owner: str, now: float = NOW, limit: int = 100) -> list[str]:
    rows = await shared_work.claim_activities(db, owner=owner, now=now, until=now + LEASE, limit=limit)
    return [row.id for row in rows]


async def test_two_nodes_apply_disjoint_activities_and_keep_each_senders_order(two) -> None:
    first, second = two
    await _receive(first, "https://a.example/users/x", "follow-x", NOW)
    await _receive(first, "https://b.example/users/y", "like-y", NOW + 1)
    await _receive(first, "https://a.example/users/x", "undo-x", NOW + 2)
    assert await _claim_activities(first, "node1", limit=1) == ["follow-x"]
    # x's Undo waits for x's Follow, which the first node holds; y's activity is free.
    assert await _claim_activities(second, "node2") == ["like-y"]
    assert await _claim_activities(second, "node2") == ["like-y"]  # its own claim, again
    await mark_all_processed(first, [("https://a.example/users/x", "follow-x", "ok")], now=NOW)
    assert await _claim_activities(second, "node2") == ["like-y", "undo-x"]
    assert await _claim_activities(first, "node1") == []


async def test_a_dead_nodes_activities_are_applied_by_another_after_the_lease(two) -> None:
    first, second = two
    await _receive(first, "https://a.example/users/x", "follow-x", NOW)
    assert await _claim_activities(first, "node1") == ["follow-x"]
    assert await _claim_activities(second, "node2", now=NOW + LEASE - 1) == []
    assert await _claim_activities(second, "node2", now=NOW + LEASE + 1) == ["follow-x"]


async def test_the_moderation_tick_has_one_holder_at_a_time(two) -> None:
    first, second = two
    assert await shared_work.take_named_lease(first, "moderation", owner="w1", now=NOW, until=NOW + 120)
    assert not await shared_work.take_named_lease(second, "moderation", owner="w2", now=NOW + 60,
                                                  until=NOW + 180)
    assert await shared_work.take_named_lease(first, "moderation", owner="w1", now=NOW + 60, until=NOW + 180)
    assert await shared_work.take_named_lease(second, "moderation", owner="w2", now=NOW + 181,
                                              until=NOW + 300)


async def test_a_block_made_through_another_connection_reaches_this_nodes_cache_at_once(two) -> None:
    first, second = two
    cache = LocalActorCache()
    settings = SimpleNamespace(admins=[])
    now = time.time()
    assert not await cache.domain_blocked(first, settings, ACTOR, "spam.example", now)
    await put_entries(second, ACTOR, "block", [parse_pattern("@*@spam.example")], expires_at=None,
                      reason="", who=ACTOR, now=now)
    started = time.monotonic()
    while not await cache.domain_blocked(first, settings, ACTOR, "spam.example", time.time()):
        assert time.monotonic() - started < 5.0, "the other connection's block was not seen"
        await asyncio.sleep(0.02)
    print(f"block seen after {time.monotonic() - started:.3f} s")


async def test_running_workers_split_one_fan_out_by_host(two, keypair) -> None:
    from inbox.delivery.worker import DeliveryConfig, DeliveryWorker

    first, second = two
    await _fan_out(first, hosts=4, per_host=3)
    settings = SimpleNamespace(allow_private_fetch=True, database=str(first.path))
    config = DeliveryConfig(lease_seconds=LEASE)
    w1 = DeliveryWorker(first, settings, clock=lambda: NOW, config=config, worker_id="w1")
    w2 = DeliveryWorker(second, settings, clock=lambda: NOW, config=config, worker_id="w2")
    await w1._heartbeat()
    await w2._heartbeat()
    mine = await delivery_store.claim_due(first, worker_id="w1", now=NOW, lease_until=NOW + LEASE,
                                          limit=100, per_host=64, new_hosts=await w1._host_share(NOW, 0))
    theirs = await delivery_store.claim_due(second, worker_id="w2", now=NOW, lease_until=NOW + LEASE,
                                            limit=100, per_host=64, new_hosts=await w2._host_share(NOW, 0))
    assert len({r["host"] for r in mine}) == 2 and len({r["host"] for r in theirs}) == 2
    assert len(mine) + len(theirs) == 12
