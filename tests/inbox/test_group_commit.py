"""The group-commit writer: concurrent stores become one transaction, and each caller learns
whether its activity was new, also for repeats inside one batch and batches over the chunk size."""

from __future__ import annotations

import asyncio
import sqlite3

from inbox.storage.db import Database
from inbox.storage.group_commit import ActivityWriter, ReceivedActivity


def _row(n: int) -> ReceivedActivity:
    return ReceivedActivity(id=f"https://r.example/a/{n}", actor="https://r.example/u/bob",
                            type="Like", inbox_mention=None, raw=b'{"n": %d}' % n, received_at=float(n))


async def _writer(tmp_path) -> ActivityWriter:
    db = await Database.open(tmp_path / "inbox.sqlite3")  # creates the schema
    await db.close()
    writer = ActivityWriter(str(tmp_path / "inbox.sqlite3"))
    await writer.start()
    return writer


async def test_concurrent_stores_report_new_once_and_repeats_as_duplicates(tmp_path) -> None:
    writer = await _writer(tmp_path)
    try:
        assert await writer.store(_row(1)) is True
        rows = [_row(n // 2) for n in range(1400)]  # each id twice in a row, in one go
        answers = await asyncio.gather(*(writer.store(row) for row in rows))
        new = [row.id for row, answer in zip(rows, answers) if answer]
        assert sorted(new) == sorted({row.id for row in rows} - {_row(1).id})
        assert len(new) == len(set(new))
    finally:
        await writer.stop()
    with sqlite3.connect(tmp_path / "inbox.sqlite3") as conn:
        stored = dict(conn.execute("SELECT id, raw FROM activities"))
    assert len(stored) == 700 and stored[_row(5).id] == b'{"n": 5}'


async def test_a_large_batch_is_stored_whole(tmp_path) -> None:
    writer = await _writer(tmp_path)
    try:
        answers = await asyncio.gather(*(writer.store(_row(n)) for n in range(2000)))
    finally:
        await writer.stop()
    assert all(answers)
    with sqlite3.connect(tmp_path / "inbox.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == 2000
