"""A transaction cancelled at any await leaves the connection clean: no BEGIN left open."""

from __future__ import annotations

import asyncio

import pytest

from inbox.storage.db import Database


@pytest.mark.parametrize("ticks", range(0, 6))
async def test_a_transaction_cancelled_while_it_begins_leaves_no_transaction_open(tmp_path, ticks) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        async def writes() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO schema_migrations VALUES (999, 'x', 0)")

        task = asyncio.create_task(writes())
        for _ in range(ticks):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await db.fetchone("SELECT 1")  # every queued statement has run
        assert not db.conn.in_transaction
        # and the next transaction starts and commits
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO schema_migrations VALUES (998, 'y', 0)")
        assert not db.conn.in_transaction
    finally:
        await db.close()


async def test_a_commit_that_fails_rolls_back_and_the_next_transaction_starts(tmp_path) -> None:
    """A COMMIT refused by SQLite (here a deferred foreign key) leaves the transaction open
    unless it is rolled back: every later BEGIN IMMEDIATE would then fail."""
    import sqlite3

    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await db.execute("CREATE TABLE child (parent INTEGER REFERENCES parent(id)"
                         " DEFERRABLE INITIALLY DEFERRED)")
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO child VALUES (42)")
        assert not db.conn.in_transaction
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO parent VALUES (1)")
        assert (await db.fetchone("SELECT COUNT(*) FROM parent"))[0] == 1
        assert (await db.fetchone("SELECT COUNT(*) FROM child"))[0] == 0
    finally:
        await db.close()
