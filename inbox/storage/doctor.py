"""The SQL behind ``fedipress doctor``: what the delivery queue, the followers and the host
sightings know about one remote server (read-only, except the sightings upsert)."""

from __future__ import annotations

from typing import Any

from inbox.storage.db import Database


async def record_sighting(db: Database, *, actor: str, host: str, kind: str, detail: str | None,
                          times: int, now: float) -> None:
    """Add ``times`` sightings of ``host`` (of this ``kind``) for the blog ``actor``."""
    await db.execute(
        "INSERT INTO host_sightings (actor_mention, host, kind, first_at, last_at, times, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(actor_mention, host, kind) DO UPDATE SET"
        " last_at = excluded.last_at, times = host_sightings.times + excluded.times,"
        " detail = COALESCE(excluded.detail, host_sightings.detail)",
        (actor, host, kind, now, now, times, detail))


async def sightings(db: Database, actor: str, host: str) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT kind, first_at, last_at, times, detail FROM host_sightings"
        " WHERE actor_mention = ? AND host = ? ORDER BY kind", (actor, host))
    return [dict(row) for row in rows]


async def host_state(db: Database, host: str) -> dict[str, Any] | None:
    """The delivery worker's ``delivery_hosts`` row (breaker, availability, last error)."""
    row = await db.fetchone("SELECT * FROM delivery_hosts WHERE host = ?", (host,))
    return dict(row) if row else None


async def recent_deliveries(db: Database, actor: str, host: str, *,
                            limit: int = 10) -> list[dict[str, Any]]:
    """The newest deliveries from ``actor`` to ``host``, with the type of what was sent."""
    rows = await db.fetchall(
        "SELECT d.inbox, d.state, d.attempts, d.last_status, d.last_error, d.next_attempt_at,"
        " d.created_at, d.finished_at, j.type FROM deliveries d JOIN delivery_jobs j ON j.id = d.job_id"
        " WHERE d.actor_mention = ? AND d.host = ?"
        " ORDER BY d.id DESC LIMIT ?", (actor, host, limit))
    return [dict(row) for row in rows]


async def delivery_counts(db: Database, actor: str, host: str) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT state, COUNT(*) AS n FROM deliveries WHERE actor_mention = ? AND host = ?"
        " GROUP BY state", (actor, host))
    counts = {"pending": 0, "delivered": 0, "failed": 0}
    counts.update({row["state"]: int(row["n"]) for row in rows})
    return counts


async def followers_on(db: Database, actor: str, host: str) -> list[dict[str, Any]]:
    """The blog's followers whose actor URL is on ``host``, with the handle recorded for them."""
    rows = await db.fetchall(
        "SELECT f.follower_id, f.inbox, f.shared_inbox, f.created_at, s.mention AS handle"
        " FROM followers f LEFT JOIN moderation_senders s ON s.actor_url = f.follower_id"
        " WHERE f.actor_mention = ? AND (f.follower_id LIKE ? OR f.follower_id LIKE ?)"
        " ORDER BY f.created_at", (actor, f"https://{host}/%", f"http://{host}/%"))
    return [dict(row) for row in rows]


async def queued_from(db: Database, actor: str, host: str) -> list[dict[str, Any]]:
    """Items of the blog still waiting for the author's decision, sent from ``host``."""
    rows = await db.fetchall(
        "SELECT activity_id, kind, author, created_at FROM inbox_items WHERE actor_mention = ?"
        " AND state = 'queued' AND (author LIKE ? OR author LIKE ?) ORDER BY created_at DESC LIMIT 20",
        (actor, f"https://{host}/%", f"http://{host}/%"))
    return [dict(row) for row in rows]
