"""Answering senders comes first: processing yields while deliveries pour in, and catches up.

Also the one-statement reply insert that refuses a Note id already used by someone else."""

from __future__ import annotations

import asyncio

import pytest

from inbox.processor import (BUSY_ARRIVALS_PER_SECOND, MAX_LAG_SECONDS, MAX_PAUSE_SECONDS,
                             SHARE_WHEN_BUSY, ActivityProcessor, pause_after_batch)
from inbox.storage import activities as activity_store
from inbox.storage import items as item_store
from inbox.storage.db import Database


def test_a_quiet_inbox_processes_without_pausing() -> None:
    assert pause_after_batch(0.05, arrivals_per_second=0) == 0.0
    assert pause_after_batch(0.05, arrivals_per_second=BUSY_ARRIVALS_PER_SECOND - 1) == 0.0


def test_a_busy_inbox_keeps_processing_to_its_share_of_the_time() -> None:
    spent = 0.02
    pause = pause_after_batch(spent, arrivals_per_second=BUSY_ARRIVALS_PER_SECOND * 10)
    assert spent / (spent + pause) == pytest.approx(SHARE_WHEN_BUSY)


def test_a_busy_inbox_that_fell_behind_works_its_backlog_off_without_pausing() -> None:
    """Processing keeps pace with receiving: it yields only while what waits is less than
    ``MAX_LAG_SECONDS`` of arrivals, so a burst is applied about as fast as it is accepted."""
    rate = BUSY_ARRIVALS_PER_SECOND * 10
    behind = int(rate * MAX_LAG_SECONDS) + 1
    assert pause_after_batch(0.02, arrivals_per_second=rate, waiting=behind) == 0.0
    spent = 0.02
    pause = pause_after_batch(spent, arrivals_per_second=rate, waiting=behind - 2)
    assert spent / (spent + pause) == pytest.approx(SHARE_WHEN_BUSY)


async def test_a_backlog_of_more_than_the_allowed_lag_is_processed_without_pausing(tmp_path) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        await _stored(db, 350)
        processor = ActivityProcessor(db, CountingEffects())  # type: ignore[arg-type]
        # 350 waiting, a steady 250 arrivals a second: busy, and more than a second behind
        # until the last batches.
        assert await processor.waiting(arrivals_per_second=250) == 251  # counted up to the lag
        assert await processor.waiting(arrivals_per_second=1000) == 350
    finally:
        await db.close()


def test_processing_never_pauses_longer_than_the_cap() -> None:
    assert pause_after_batch(60.0, arrivals_per_second=10_000) == MAX_PAUSE_SECONDS
    assert pause_after_batch(0.0, arrivals_per_second=10_000) == 0.0


class CountingEffects:
    """Stands in for ``inbox.handlers.apply.Effects``: only the processor's scheduling is tested."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def read_hooks(self) -> None:
        return None

    async def process(self, stored, *, now: float) -> str:
        self.seen.append(stored.id)
        await asyncio.sleep(0.0002)  # a little work that lets the event loop run
        return "ok"


async def _stored(db: Database, count: int, *, start: int = 0) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO activities (id, actor, type, inbox_mention, raw, received_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(f"https://r.example/a/{n}", f"https://r.example/u/{n % 7}", "Like", None, b"{}", n)
             for n in range(start, start + count)])


async def _processed_while(arrivals_per_second: float, tmp_path) -> tuple[ActivityProcessor, CountingEffects]:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        await _stored(db, 350)
        effects = CountingEffects()
        processor = ActivityProcessor(db, effects)  # type: ignore[arg-type]
        done = asyncio.Event()

        async def deliveries() -> None:
            while not done.is_set():
                for _ in range(int(arrivals_per_second / 100)):
                    processor.wake()
                await asyncio.sleep(0.01)

        sender = asyncio.create_task(deliveries())
        handled = await processor.run_once()
        done.set()
        await sender
        assert handled == 350
        assert await activity_store.count_unprocessed(db) == 0
        return processor, effects
    finally:
        await db.close()


async def test_a_burst_of_deliveries_makes_processing_yield_and_still_finish(tmp_path) -> None:
    processor, effects = await _processed_while(BUSY_ARRIVALS_PER_SECOND * 20, tmp_path)
    assert processor.paused_seconds > 0
    assert sorted(effects.seen) == sorted(f"https://r.example/a/{n}" for n in range(350))


async def test_without_deliveries_arriving_processing_never_pauses(tmp_path) -> None:
    processor, _ = await _processed_while(0, tmp_path)
    assert processor.paused_seconds == 0


def _reply(author: str, activity: str, note: str) -> item_store.Item:
    return item_store.Item("@alice@blog.example", activity, "reply", author, "https://blog.example/p",
                           note, "<p>hi</p>", b"{}", "approved", 1.0)


async def test_reply_insert_refuses_a_note_id_that_belongs_to_someone_else(tmp_path) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        bob, mallory = "https://r.example/u/bob", "https://r.example/u/mallory"
        note = "https://r.example/u/bob/notes/1"
        assert await item_store.put_reply(db, _reply(bob, "https://r.example/c/1", note)) is True
        assert await item_store.put_reply(db, _reply(bob, "https://r.example/c/1", note)) is False
        assert await item_store.put_reply(db, _reply(mallory, "https://r.example/c/2", note)) is None
        rows = await db.fetchall("SELECT author FROM inbox_items")
        assert [row["author"] for row in rows] == [bob]
    finally:
        await db.close()


class StuckOnOne(CountingEffects):
    """Never finishes applying one activity (a fetch or lock that never answers)."""

    async def process(self, stored, *, now: float) -> str:
        if stored.id.endswith("/3"):
            await asyncio.Event().wait()
        return await super().process(stored, now=now)


async def test_an_activity_that_never_finishes_does_not_stall_the_others(tmp_path) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        await _stored(db, 20)
        processor = ActivityProcessor(db, StuckOnOne(), deadline=0.2)  # type: ignore[arg-type]
        assert await asyncio.wait_for(processor.run_once(), 10) == 20
        assert await activity_store.count_unprocessed(db) == 0
        row = await db.fetchone("SELECT outcome FROM activities WHERE id = ?", ("https://r.example/a/3",))
        assert row["outcome"] == "error: timeout"
    finally:
        await db.close()


class CancelledInside(CountingEffects):
    """Applying one activity raises CancelledError without anyone cancelling the processor (a
    client library's cancel scope or a cancelled shared fetch can leak one)."""

    async def process(self, stored, *, now: float) -> str:
        if stored.id.endswith("/3"):
            raise asyncio.CancelledError()
        return await super().process(stored, now=now)


async def test_a_stray_cancellation_inside_one_activity_does_not_stop_processing(tmp_path) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        await _stored(db, 20)
        processor = ActivityProcessor(db, CancelledInside())  # type: ignore[arg-type]
        processor.start()
        try:
            for _ in range(200):
                if await activity_store.count_unprocessed(db) == 0:
                    break
                await asyncio.sleep(0.02)
            assert await activity_store.count_unprocessed(db) == 0
            row = await db.fetchone("SELECT outcome FROM activities WHERE id = ?", ("https://r.example/a/3",))
            assert row["outcome"] == "error: cancelled"
            # the processor is still alive: a later arrival is applied too
            await _stored(db, 1, start=100)
            processor.wake()
            for _ in range(200):
                if await activity_store.count_unprocessed(db) == 0:
                    break
                await asyncio.sleep(0.02)
            assert await activity_store.count_unprocessed(db) == 0
        finally:
            await processor.stop()
    finally:
        await db.close()
