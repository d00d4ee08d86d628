"""Followers of local actors (table ``followers``, shared with the delivery engineer)."""

from __future__ import annotations

from dataclasses import dataclass

from inbox.storage.db import Database


@dataclass(frozen=True, slots=True)
class Follower:
    actor_mention: str
    follower_id: str
    inbox: str
    shared_inbox: str | None
    follow_activity_id: str | None
    created_at: float


def _follower(row) -> Follower:
    return Follower(row["actor_mention"], row["follower_id"], row["inbox"], row["shared_inbox"],
                    row["follow_activity_id"], row["created_at"])


async def add_follower(db: Database, follower: Follower) -> None:
    """Insert or refresh (a repeated Follow updates the inboxes and the Follow id)."""
    await db.execute(
        "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, follow_activity_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(actor_mention, follower_id) DO UPDATE SET"
        " inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,"
        " follow_activity_id = excluded.follow_activity_id",
        (follower.actor_mention, follower.follower_id, follower.inbox, follower.shared_inbox,
         follower.follow_activity_id, follower.created_at),
    )


async def get_follower(db: Database, actor_mention: str, follower_id: str) -> Follower | None:
    row = await db.fetchone(
        "SELECT * FROM followers WHERE actor_mention = ? AND follower_id = ?", (actor_mention, follower_id)
    )
    return _follower(row) if row else None


async def remove_follower(db: Database, actor_mention: str, follower_id: str,
                          *, follow_activity_id: str | None = None) -> bool:
    """Remove; with ``follow_activity_id`` only if it is that Follow being undone."""
    if follow_activity_id is None:
        changed = await db.execute(
            "DELETE FROM followers WHERE actor_mention = ? AND follower_id = ?", (actor_mention, follower_id)
        )
    else:
        changed = await db.execute(
            "DELETE FROM followers WHERE actor_mention = ? AND follower_id = ? AND follow_activity_id = ?",
            (actor_mention, follower_id, follow_activity_id),
        )
    return changed > 0


async def remove_follower_everywhere(db: Database, follower_id: str, follow_activity_id: str | None) -> int:
    """An Undo that arrived via the shared inbox: remove that follower's Follow wherever it is."""
    if follow_activity_id is None:
        return await db.execute("DELETE FROM followers WHERE follower_id = ?", (follower_id,))
    return await db.execute(
        "DELETE FROM followers WHERE follower_id = ? AND follow_activity_id = ?",
        (follower_id, follow_activity_id),
    )


async def count_followers(db: Database, actor_mention: str) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM followers WHERE actor_mention = ?", (actor_mention,))
    return int(row["n"]) if row else 0


async def list_followers(db: Database, actor_mention: str, *, skip: int, limit: int) -> list[Follower]:
    rows = await db.fetchall(
        "SELECT * FROM followers WHERE actor_mention = ? ORDER BY created_at DESC, follower_id"
        " LIMIT ? OFFSET ?",
        (actor_mention, limit, skip),
    )
    return [_follower(row) for row in rows]


async def followed_by(db: Database, follower_id: str, follow_activity_id: str | None) -> list[str]:
    """The local actors this follower follows (through that Follow, when given)."""
    if follow_activity_id is None:
        rows = await db.fetchall("SELECT actor_mention FROM followers WHERE follower_id = ?", (follower_id,))
    else:
        rows = await db.fetchall(
            "SELECT actor_mention FROM followers WHERE follower_id = ? AND follow_activity_id = ?",
            (follower_id, follow_activity_id))
    return [row["actor_mention"] for row in rows]


async def has_follower_on(db: Database, actor_mention: str, host: str) -> bool:
    """Does a local actor have a follower whose actor URL is on ``host`` (http or https)?"""
    row = await db.fetchone(
        "SELECT 1 FROM followers WHERE actor_mention = ? AND ((follower_id >= ? AND follower_id < ?)"
        " OR (follower_id >= ? AND follower_id < ?)) LIMIT 1",
        (actor_mention, f"https://{host}/", f"https://{host}0", f"http://{host}/", f"http://{host}0"))
    return row is not None


async def recent_from_host(db: Database, actor_mention: str, host_prefix: str, *, since: float) -> int:
    """Followers of a local actor under ``host_prefix`` (``https://host/``) added since ``since``."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM followers WHERE actor_mention = ? AND created_at >= ?"
        " AND follower_id >= ? AND follower_id < ?",
        (actor_mention, since, host_prefix, host_prefix[:-1] + "0"))
    return int(row["n"]) if row else 0
