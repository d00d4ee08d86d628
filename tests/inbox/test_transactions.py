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
