"""A follower's Move, for one blog: the new account takes over that blog's follow of the old
one (each blog decides for itself whether the new account may follow it)."""

from __future__ import annotations

from inbox.storage.db import Database


async def move_follow(db: Database, actor_mention: str, old_id: str, new_id: str, inbox: str,
                      shared_inbox: str | None) -> int:
    """Replace ``old_id``'s follow of ``actor_mention`` by ``new_id``'s (kept if it already
    follows); returns 1 when the new account was added, 0 otherwise."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox,"
            " follow_activity_id, created_at) SELECT actor_mention, ?, ?, ?, follow_activity_id, created_at"
            " FROM followers WHERE actor_mention = ? AND follower_id = ? ON CONFLICT DO NOTHING",
            (new_id, inbox, shared_inbox, actor_mention, old_id),
        )
        moved = cursor.rowcount
        await conn.execute("DELETE FROM followers WHERE actor_mention = ? AND follower_id = ?",
                           (actor_mention, old_id))
    return moved
