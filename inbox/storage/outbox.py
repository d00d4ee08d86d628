"""SQL of what the blog publishes and who should get it: the outbox and the audiences.

The delivery queue (``inbox.storage.deliveries``) turns these into per-inbox deliveries;
this side only remembers what was published and reads followers and interactions.
"""

from __future__ import annotations

from typing import Any

from inbox.storage.db import Database

GONE_SHARED_SECONDS = 30 * 86400.0  # a shared inbox's 410 is remembered this long


# --- audiences ---------------------------------------------------------------------------

async def follower_rows(db: Database, actor: str, *, now: float) -> list[tuple[str, str | None]]:
    """(inbox, shared inbox) of every follower of a local actor; the shared inbox is None when
    it answered 410 in the last ``GONE_SHARED_SECONDS``."""
    rows = await db.fetchall(
        "SELECT f.inbox, CASE WHEN g.inbox IS NULL THEN f.shared_inbox END AS shared_inbox"
        " FROM followers f LEFT JOIN gone_shared_inboxes g"
        "  ON g.actor_mention = f.actor_mention AND g.inbox = f.shared_inbox AND g.gone_at > ?"
        " WHERE f.actor_mention = ? ORDER BY f.created_at, f.follower_id",
        (now - GONE_SHARED_SECONDS, actor),
    )
    return [(row["inbox"], row["shared_inbox"]) for row in rows]


async def delivered_inboxes(db: Database, actor: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT inbox FROM delivered_inboxes WHERE actor_mention = ? ORDER BY inbox", (actor,)
    )
    return [row["inbox"] for row in rows]


# --- outbox --------------------------------------------------------------------------

async def store_outbox_activity(
    db: Database, *, activity_id: str, actor: str, type_: str, object_id: str | None,
    public: bool, body: str, now: float,
) -> bool:
    """Keep a published activity; False when that id was already published."""
    changed = await db.execute(
        "INSERT INTO outbox_activities (activity_id, actor_mention, type, object_id, public, body, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (activity_id) DO NOTHING",
        (activity_id, actor, type_, object_id, int(public), body, now),
    )
    return changed > 0


async def set_outbox_job(db: Database, activity_id: str, job_id: str) -> None:
    await db.execute("UPDATE outbox_activities SET job_id = ? WHERE activity_id = ?", (job_id, activity_id))


async def outbox_activity(db: Database, actor: str, key: str) -> dict[str, Any] | None:
    """An outbox entry by job id or activity id."""
    row = await db.fetchone(
        "SELECT * FROM outbox_activities WHERE actor_mention = ? AND (job_id = ? OR activity_id = ?)",
        (actor, key, key),
    )
    return dict(row) if row else None


async def recent_outbox(db: Database, actor: str, limit: int) -> list[dict[str, Any]]:
    """The actor's outbox newest first (enough rows to see Updates and Deletes of recent posts)."""
    rows = await db.fetchall(
        "SELECT * FROM outbox_activities WHERE actor_mention = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
        (actor, limit),
    )
    return [dict(row) for row in rows]


async def actor_url(db: Database, actor: str) -> str | None:
    """The actor document URL of a local actor, or None when the mention is not ours."""
    row = await db.fetchone("SELECT actor_url FROM actors WHERE mention = ?", (actor,))
    return row["actor_url"] if row else None


async def interaction_authors(db: Database, actor: str) -> list[str]:
    """Actor ids that replied to, liked or shared the actor's posts (Delete audience)."""
    rows = await db.fetchall(
        "SELECT DISTINCT author FROM inbox_items WHERE actor_mention = ? AND kind IN ('reply', 'like', 'share')",
        (actor,),
    )
    return [row["author"] for row in rows]
