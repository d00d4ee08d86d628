"""SQL of the announcements actor: its own row among the local actors, what it will say or
has said about blogs (``announcements``), and the blogs the operator stopped announcing."""

from __future__ import annotations

from typing import Any

from inbox.storage.actors import LocalActor, get_actor
from inbox.storage.db import Database
from inbox.storage.shared_work import BUMP_GENERATION

WAITING, APPROVED, SENT, REJECTED = "waiting", "approved", "sent", "rejected"
PENDING = (WAITING, APPROVED)


async def keep_actor(db: Database, actor: LocalActor) -> LocalActor:
    """Store the announcements actor unless it is there already: a stored key pair wins (two
    nodes starting at once keep one key); its URLs follow ``public_url``."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem,"
            " manually_approves_followers, announce, created_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?)"
            " ON CONFLICT (mention) DO UPDATE SET actor_url = excluded.actor_url,"
            " public_key_id = excluded.public_key_id, manually_approves_followers = 0, announce = 0",
            (actor.mention, actor.actor_url, actor.public_key_id, actor.public_key_pem,
             actor.private_key_pem, actor.created_at))
        await conn.execute("DELETE FROM removed_actors WHERE mention = ?", (actor.mention,))
        await conn.execute(BUMP_GENERATION)
    stored = await get_actor(db, actor.mention)
    assert stored is not None
    return stored


async def add(db: Database, *, id_: str, kind: str, blog: str, object_id: str, state: str,
              now: float) -> bool:
    """Queue an announcement; False when that blog or post was announced (or queued) before."""
    changed = await db.execute(
        "INSERT INTO announcements (id, kind, blog, object_id, state, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, object_id) DO NOTHING",
        (id_, kind, blog, object_id, state, now))
    return changed > 0


async def get(db: Database, id_: str) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT * FROM announcements WHERE id = ?", (id_,))
    return dict(row) if row else None


async def pending(db: Database) -> list[dict[str, Any]]:
    """Announcements waiting for the operator or for the hourly limit, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM announcements WHERE state IN (?, ?) ORDER BY created_at, id", PENDING)
    return [dict(row) for row in rows]


async def decide(db: Database, id_: str, *, to: str, who: str, now: float) -> int:
    """Approve or reject a waiting announcement (an approved one may still be rejected)."""
    allowed = (WAITING,) if to == APPROVED else PENDING
    return await db.execute(
        f"UPDATE announcements SET state = ?, decided_by = ?, decided_at = ?"
        f" WHERE id = ? AND state IN ({', '.join('?' for _ in allowed)})",
        (to, who, now, id_, *allowed))


async def sent_since(db: Database, since: float) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM announcements WHERE state = ? AND sent_at > ?", (SENT, since))
    return int(row["n"]) if row else 0


async def due(db: Database, limit: int) -> list[dict[str, Any]]:
    """Approved announcements, oldest first: the next ones to send."""
    rows = await db.fetchall(
        "SELECT * FROM announcements WHERE state = ? ORDER BY created_at, id LIMIT ?", (APPROVED, limit))
    return [dict(row) for row in rows]


async def mark_sent(db: Database, id_: str, *, activity_id: str, now: float) -> bool:
    changed = await db.execute(
        "UPDATE announcements SET state = ?, sent_at = ?, activity_id = ? WHERE id = ? AND state = ?",
        (SENT, now, activity_id, id_, APPROVED))
    return changed > 0


async def boosts_since(db: Database, blog: str, since: float) -> int:
    """Boosts of ``blog``'s posts queued since ``since`` and not rejected."""
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM announcements WHERE blog = ? AND kind = 'boost'"
        " AND created_at > ? AND state <> ?", (blog, since, REJECTED))
    return int(row["n"]) if row else 0


async def stop_blog(db: Database, blog: str, *, who: str, now: float) -> int:
    """Stop announcing ``blog``; returns how many of its pending announcements were withdrawn."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO announcements_stopped (blog, stopped_by, stopped_at) VALUES (?, ?, ?)"
            " ON CONFLICT (blog) DO NOTHING", (blog, who, now))
        cursor = await conn.execute(
            "UPDATE announcements SET state = ?, decided_by = ?, decided_at = ?"
            " WHERE blog = ? AND state IN (?, ?)", (REJECTED, who, now, blog, *PENDING))
        return max(cursor.rowcount, 0)


async def resume_blog(db: Database, blog: str) -> bool:
    return await db.execute("DELETE FROM announcements_stopped WHERE blog = ?", (blog,)) > 0


async def is_stopped(db: Database, blog: str) -> bool:
    row = await db.fetchone("SELECT 1 FROM announcements_stopped WHERE blog = ?", (blog,))
    return row is not None


async def stopped(db: Database) -> list[dict[str, Any]]:
    rows = await db.fetchall("SELECT * FROM announcements_stopped ORDER BY blog")
    return [dict(row) for row in rows]


async def count_published(db: Database, mention: str) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM outbox_activities WHERE actor_mention = ?", (mention,))
    return int(row["n"]) if row else 0


async def published_page(db: Database, mention: str, *, skip: int, limit: int) -> list[str]:
    """Bodies (JSON text) of what the announcements actor published, newest first."""
    rows = await db.fetchall(
        "SELECT body FROM outbox_activities WHERE actor_mention = ?"
        " ORDER BY created_at DESC, activity_id LIMIT ? OFFSET ?", (mention, limit, skip))
    return [row["body"] for row in rows]


async def published(db: Database, mention: str, activity_id: str) -> str | None:
    row = await db.fetchone(
        "SELECT body FROM outbox_activities WHERE actor_mention = ? AND activity_id = ?",
        (mention, activity_id))
    return row["body"] if row else None
