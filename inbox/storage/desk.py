"""The author's desk: their moderation rules, their feed secret, and the views the desk and
the author's CLI read (items with who sent them, followers with since when)."""

from __future__ import annotations

from typing import Any

from inbox.storage.db import Database
from inbox.storage.shared_work import bump_generation


async def get_rules(db: Database, actor_mention: str) -> tuple[str, str | None] | None:
    """(rules JSON, feed secret) of an actor, or None when it never set any."""
    row = await db.fetchone("SELECT rules, feed_secret FROM author_rules WHERE actor_mention = ?",
                            (actor_mention,))
    return (row["rules"], row["feed_secret"]) if row else None


async def put_rules(db: Database, actor_mention: str, rules: str, *, now: float) -> None:
    await db.execute(
        "INSERT INTO author_rules (actor_mention, rules, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (actor_mention) DO UPDATE SET rules = excluded.rules,"
        " updated_at = excluded.updated_at", (actor_mention, rules, now))
    await bump_generation(db)


async def put_feed_secret(db: Database, actor_mention: str, secret: str, *, now: float) -> None:
    await db.execute(
        "INSERT INTO author_rules (actor_mention, feed_secret, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (actor_mention) DO UPDATE SET feed_secret = excluded.feed_secret,"
        " updated_at = excluded.updated_at", (actor_mention, secret, now))


async def actor_of_feed_secret(db: Database, secret: str) -> str | None:
    row = await db.fetchone("SELECT actor_mention FROM author_rules WHERE feed_secret = ?",
                            (secret,))
    return row["actor_mention"] if row else None


async def approved_before(db: Database, actor_mention: str, author: str) -> bool:
    """Has the author approved a reply (or anything with text) from this person before?"""
    row = await db.fetchone(
        "SELECT 1 FROM inbox_items WHERE actor_mention = ? AND author = ? AND state = 'approved'"
        " AND kind IN ('reply', 'quote') LIMIT 1", (actor_mention, author))
    return row is not None


async def follower_since(db: Database, actor_mention: str, follower_id: str) -> float | None:
    row = await db.fetchone(
        "SELECT created_at FROM followers WHERE actor_mention = ? AND follower_id = ?",
        (actor_mention, follower_id))
    return float(row["created_at"]) if row else None


async def items_view(db: Database, actor_mention: str, *, states: tuple[str, ...],
                     kinds: tuple[str, ...] | None, since: float | None, limit: int
                     ) -> list[dict[str, Any]]:
    """Items in these states (and kinds), newest first, with the sender's recorded handle."""
    marks = ", ".join("?" * len(states))
    sql = ("SELECT i.*, s.mention AS author_handle FROM inbox_items i"
           " LEFT JOIN moderation_senders s ON s.actor_url = i.author"
           f" WHERE i.actor_mention = ? AND i.state IN ({marks})")
    params: list[Any] = [actor_mention, *states]
    if kinds:
        sql += f" AND i.kind IN ({', '.join('?' * len(kinds))})"
        params += kinds
    if since is not None:
        sql += " AND i.updated_at > ?"
        params.append(since)
    sql += " ORDER BY i.created_at DESC, i.rowid DESC LIMIT ?"
    params.append(limit)
    return [dict(row) for row in await db.fetchall(sql, tuple(params))]


async def followers_view(db: Database, actor_mention: str, *, limit: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT f.follower_id, f.created_at, s.mention AS handle FROM followers f"
        " LEFT JOIN moderation_senders s ON s.actor_url = f.follower_id"
        " WHERE f.actor_mention = ? ORDER BY f.created_at DESC LIMIT ?", (actor_mention, limit))
    return [dict(row) for row in rows]
