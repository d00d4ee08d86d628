"""Finished webhook calls are pruned like deliveries: old delivered/failed rows go, pending and
recent ones stay, and calls failed by removing their hook are pruned once old enough."""

from __future__ import annotations

import asyncio

import pytest

from inbox.settings import Settings
from inbox.storage import webhooks as store
from inbox.storage.db import Database
from inbox.webhooks import WebhookWorker, enqueue_event
from tests.support.server import eventually

ALICE = "@alice@blog.example"
REPLY = {"type": "Create", "id": "https://remote.example/a/1", "actor": "https://remote.example/u"}
DAY = 86400.0
NOW = 1_800_000_000.0


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "inbox.sqlite3")
    yield database
    await database.close()


async def set_hook(db: Database, name: str = "reply") -> None:
    await store.put_hook(db, store.Hook(ALICE, name, "http://127.0.0.1:9/hook", "POST", {},
                                        "s3cret-for-tests-0123456789", "envelope", 0.0, 0.0))


async def call(db: Database, *, created: float, state: str = "pending",
               finished: float | None = None, name: str = "reply") -> str:
    """A queued call; a finished one is leased and recorded the way the worker records it."""
    delivery_id = await enqueue_event(db, actor=ALICE, event=name, activity=REPLY, now=created)
    assert delivery_id is not None
    if state != "pending":
        claimed = await store.claim_due(db, owner="w", now=finished, lease=60, limit=100)
        assert delivery_id in {c.delivery_id for c in claimed}
        await store.record_outcome(db, delivery_id, owner="w", state=state, attempts=1,
                                   next_attempt_at=None, status=200 if state == "delivered" else 410,
                                   error=None, now=finished)
        for other in claimed:  # hand back anything else the claim picked up
            if other.delivery_id != delivery_id:
                await db.execute("UPDATE webhook_calls SET lease_owner = NULL, lease_expires_at = NULL"
                                 " WHERE delivery_id = ?", (other.delivery_id,))
    return delivery_id


async def remaining(db: Database) -> set[str]:
    return {row["delivery_id"] for row in await db.fetchall("SELECT delivery_id FROM webhook_calls")}


async def test_old_finished_calls_go_pending_and_recent_ones_stay(db):
    await set_hook(db)
    old_delivered = await call(db, created=NOW - 40 * DAY, state="delivered", finished=NOW - 40 * DAY)
    old_failed = await call(db, created=NOW - 45 * DAY, state="failed", finished=NOW - 31 * DAY)
    recent_failed = await call(db, created=NOW - 45 * DAY, state="failed", finished=NOW - 29 * DAY)
    recent_delivered = await call(db, created=NOW - DAY, state="delivered", finished=NOW - DAY)
    old_pending = await call(db, created=NOW - 60 * DAY)  # still retrying: never pruned

    assert await store.prune_finished(db, NOW - 30 * DAY) == 2
    assert await remaining(db) == {recent_failed, recent_delivered, old_pending}
    assert old_delivered not in await remaining(db) and old_failed not in await remaining(db)
    assert await store.prune_finished(db, NOW - 30 * DAY) == 0


async def test_calls_failed_by_delete_hook_are_finished_then_pruned_later(db):
    await set_hook(db)
    waiting = await call(db, created=NOW - DAY)
    assert await store.delete_hook(db, ALICE, "reply", now=NOW)
    row = await store.call_state(db, waiting)
    assert row["state"] == "failed" and row["last_error"] == "hook removed" and row["finished_at"] == NOW

    assert await store.prune_finished(db, NOW - 30 * DAY) == 0  # just removed: kept for now
    assert await remaining(db) == {waiting}
    assert await store.prune_finished(db, NOW + 1) == 1  # later, once old enough
    assert await remaining(db) == set()


async def test_failed_calls_without_finished_at_are_pruned_by_creation_time(db):
    """Rows failed by delete_hook before it set finished_at still go, by their age."""
    await set_hook(db)
    old = await call(db, created=NOW - 40 * DAY)
    young = await call(db, created=NOW - DAY)
    await db.execute("UPDATE webhook_calls SET state = 'failed', finished_at = NULL")
    assert await store.prune_finished(db, NOW - 30 * DAY) == 1
    assert await remaining(db) == {young}
    assert old not in await remaining(db)


async def test_running_worker_prunes_on_its_first_pass(db):
    await set_hook(db)
    old = await call(db, created=NOW - 40 * DAY, state="delivered", finished=NOW - 40 * DAY)
    recent = await call(db, created=NOW - DAY, state="delivered", finished=NOW - DAY)
    worker = WebhookWorker(db, Settings(allow_private_fetch=True), clock=lambda: NOW,
                           poll_interval=30, keep_finished_days=30)
    task = asyncio.create_task(worker.run())
    try:
        async def pruned() -> bool:
            return old not in await remaining(db)

        await eventually(pruned)
        assert await remaining(db) == {recent}
    finally:
        await worker.stop()
        await asyncio.wait_for(task, 10)
