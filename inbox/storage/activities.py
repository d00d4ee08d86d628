"""Received activities, raw, as stored by the group-commit writer; and their processing marks."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from inbox.storage.db import Database


@dataclass(frozen=True, slots=True)
class StoredActivity:
    """One row of ``activities``: the raw delivery as received, before any effect is decided.

    The group-commit writer stores these (as ``ReceivedActivity``) and the processor reads them back.
    """

    id: str
    actor: str
    type: str
    inbox_mention: str | None
    raw: bytes
    received_at: float


def _from_row(row: aiosqlite.Row) -> StoredActivity:
    return StoredActivity(row["id"], row["actor"], row["type"], row["inbox_mention"], bytes(row["raw"]),
                          row["received_at"])


async def unprocessed(db: Database, *, limit: int = 100) -> list[StoredActivity]:
    """Oldest first, so effects apply in arrival order (Follow before its Undo)."""
    rows = await db.fetchall(
        "SELECT id, actor, type, inbox_mention, raw, received_at FROM activities"
        " WHERE processed_at IS NULL ORDER BY received_at, rowid LIMIT ?",
        (limit,),
    )
    return [_from_row(r) for r in rows]


async def mark_all_processed(db: Database, outcomes: list[tuple[str, str, str]], *, now: float) -> None:
    """Record a batch of (actor, id, outcome) in one transaction. Once processed, only the id
    (which dedupes redeliveries) and the outcome are kept: the body is emptied, as what an
    activity left is in its item, bounded; a failure keeps its body to be looked into."""
    if not outcomes:
        return
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE activities SET processed_at = ?, outcome = ?,"
            " raw = CASE WHEN ? LIKE 'error%' THEN raw ELSE ? END WHERE actor = ? AND id = ?",
            [(now, outcome[:200], outcome[:10], b"", actor, activity_id) for actor, activity_id, outcome in outcomes],
        )


async def count_unprocessed(db: Database, up_to: int | None = None) -> int:
    """Activities not yet processed; with ``up_to``, counted no further than that."""
    if up_to is not None:
        row = await db.fetchone("SELECT COUNT(*) AS n FROM (SELECT 1 FROM activities"
                                " WHERE processed_at IS NULL LIMIT ?) AS waiting", (up_to,))
    else:
        row = await db.fetchone("SELECT COUNT(*) AS n FROM activities WHERE processed_at IS NULL")
    return int(row["n"]) if row else 0


async def get_activity(db: Database, activity_id: str) -> StoredActivity | None:
    row = await db.fetchone(
        "SELECT id, actor, type, inbox_mention, raw, received_at FROM activities WHERE id = ?", (activity_id,)
    )
    if row is None:
        return None
    return _from_row(row)


async def outcome_of(db: Database, activity_id: str) -> str | None:
    row = await db.fetchone("SELECT outcome FROM activities WHERE id = ?", (activity_id,))
    return row["outcome"] if row else None


async def count_activities(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM activities")
    return int(row["n"]) if row else 0


KNOWS_REMOTE_ACTOR = (  # three index lookups (migration 006): asked on every self-Delete
    "SELECT EXISTS(SELECT 1 FROM followers WHERE follower_id = ?)"
    " OR EXISTS(SELECT 1 FROM inbox_items WHERE author = ?)"
    " OR EXISTS(SELECT 1 FROM activities WHERE actor = ?) AS known"
)


async def knows_remote_actor(db: Database, actor: str) -> bool:
    """Has this remote actor ever left anything here (a follow, an item, an activity)?"""
    row = await db.fetchone(KNOWS_REMOTE_ACTOR, (actor, actor, actor))
    return bool(row and row["known"])


async def prune_processed(db: Database, *, older_than: float) -> int:
    """Forget processed activities received before ``older_than`` (ids only dedupe retries,
    which come within days); what they left (followers, items) stays."""
    return await db.execute(
        "DELETE FROM activities WHERE processed_at IS NOT NULL AND received_at < ?", (older_than,)
    )
