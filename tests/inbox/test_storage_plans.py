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


async def test_a_senders_queued_items_are_counted_from_an_index_alone(tmp_path) -> None:
    """The queue caps are asked at every reply from a held-back sender: the count reads only
    the index entries of that actor's queued items from the sender's host, never the rows (the
    items of a big host, approved or not, would be read one by one at every reply)."""
    from inbox.storage.items import QUEUED_FROM, queued_from

    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        plan = [row["detail"] for row in await db.fetchall(
            "EXPLAIN QUERY PLAN " + QUEUED_FROM, ("https://r.example/u/bob", "https://r.example/",
                                                  "https://r.example0", "@blog@b.example"))]
        assert len(plan) == 1 and plan[0].startswith("SEARCH") and "COVERING INDEX" in plan[0], plan
        for number, (author, state) in enumerate([("https://r.example/u/bob", "queued"),
                                                  ("https://r.example/u/bob", "approved"),
                                                  ("https://r.example/u/eve", "queued"),
                                                  ("https://s.example/u/bob", "queued")]):
            await db.execute(
                "INSERT INTO inbox_items (actor_mention, activity_id, kind, author, object_id,"
                " raw, state, created_at, updated_at) VALUES (?, ?, 'reply', ?, 'https://b.example/p', ?, ?, 1.0, 1.0)",
                ("@blog@b.example", f"https://x.example/a/{number}", author, b"{}", state))
        assert await queued_from(db, "@blog@b.example", "https://r.example/u/bob",
                                 "https://r.example/") == (1, 2)
    finally:
        await db.close()
