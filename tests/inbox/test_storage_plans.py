"""Queries asked on the hot path of hostile traffic use indexes, never a scan of a table that
grows with every delivery."""

from __future__ import annotations

from inbox.storage.activities import KNOWS_REMOTE_ACTOR, knows_remote_actor
from inbox.storage.db import Database


async def test_is_this_actor_known_is_three_index_lookups(tmp_path) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        plan = [row["detail"] for row in await db.fetchall("EXPLAIN QUERY PLAN " + KNOWS_REMOTE_ACTOR,
                                                           ("a", "a", "a"))]
        searches = [step for step in plan if step.startswith("SEARCH")]
        assert len(searches) == 3 and not any(step.startswith("SCAN ") and "CONSTANT" not in step
                                              for step in plan), plan
        assert not await knows_remote_actor(db, "https://r.example/u/bob")
        await db.execute("INSERT INTO activities (id, actor, type, raw, received_at) VALUES (?, ?, ?, ?, ?)",
                         ("https://r.example/a/1", "https://r.example/u/bob", "Like", b"{}", 1.0))
        assert await knows_remote_actor(db, "https://r.example/u/bob")
    finally:
        await db.close()
