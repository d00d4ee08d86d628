"""Every SQL statement of webhooks: the hooks themselves and the durable queue of calls."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from inbox.storage.db import Database


@dataclass(frozen=True, slots=True)
class Hook:
    actor_mention: str
    name: str
    url: str
    method: str
    headers: dict[str, str]
    secret: str
    format: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Call:
    """One queued webhook call, as claimed by a worker."""

    delivery_id: str
    actor_mention: str
    name: str
    envelope: str
    attempts: int
    created_at: float


def _hook(row: Any) -> Hook:
    return Hook(row["actor_mention"], row["name"], row["url"], row["method"],
                json.loads(row["headers"]), row["secret"], row["format"],
                row["created_at"], row["updated_at"])


async def put_hook(db: Database, hook: Hook) -> None:
    """Insert or replace; a replaced hook keeps its creation time."""
    await db.execute(
        "INSERT INTO webhooks (actor_mention, name, url, method, headers, secret, format,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (actor_mention, name) DO UPDATE SET url = excluded.url,"
        " method = excluded.method, headers = excluded.headers, secret = excluded.secret,"
        " format = excluded.format, updated_at = excluded.updated_at",
        (hook.actor_mention, hook.name, hook.url, hook.method, json.dumps(hook.headers),
         hook.secret, hook.format, hook.created_at, hook.updated_at))


async def get_hook(db: Database, actor_mention: str, name: str) -> Hook | None:
    row = await db.fetchone("SELECT * FROM webhooks WHERE actor_mention = ? AND name = ?",
                            (actor_mention, name))
    return _hook(row) if row else None


async def delete_hook(db: Database, actor_mention: str, name: str, *, now: float | None = None) -> bool:
    """Remove the hook and fail its calls still waiting (they would have nowhere to go),
    finished at ``now`` (the wall clock by default) so ``prune_finished`` forgets them later."""
    now = time.time() if now is None else now
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM webhooks WHERE actor_mention = ? AND name = ?",
                                    (actor_mention, name))
        removed = cursor.rowcount > 0
        await cursor.close()
        await conn.execute(
            "UPDATE webhook_calls SET state = 'failed', last_error = 'hook removed', finished_at = ?"
            " WHERE actor_mention = ? AND name = ? AND state = 'pending'", (now, actor_mention, name))
    return removed


async def hook_exists(db: Database, actor_mention: str, name: str) -> bool:
    row = await db.fetchone("SELECT 1 FROM webhooks WHERE actor_mention = ? AND name = ?",
                            (actor_mention, name))
    return row is not None


async def hook_names(db: Database) -> frozenset[tuple[str, str]]:
    """Every (actor mention, event) that has a hook set."""
    rows = await db.fetchall("SELECT actor_mention, name FROM webhooks")
    return frozenset((row["actor_mention"], row["name"]) for row in rows)


async def add_call(db: Database, *, delivery_id: str, actor_mention: str, name: str,
                   envelope: str, now: float) -> None:
    await db.execute(
        "INSERT INTO webhook_calls (delivery_id, actor_mention, name, envelope, state,"
        " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (delivery_id, actor_mention, name, envelope, now, now))


async def claim_due(db: Database, *, owner: str, now: float, lease: float,
                    limit: int) -> list[Call]:
    """Lease up to ``limit`` due calls (free or with an expired lease) to ``owner``."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT delivery_id FROM webhook_calls WHERE state = 'pending' AND next_attempt_at <= ?"
            " AND (lease_expires_at IS NULL OR lease_expires_at <= ?)"
            " ORDER BY next_attempt_at, created_at LIMIT ?", (now, now, limit))
        ids = [row[0] for row in await cursor.fetchall()]
        await cursor.close()
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        await conn.execute(
            f"UPDATE webhook_calls SET lease_owner = ?, lease_expires_at = ?"
            f" WHERE delivery_id IN ({marks}) AND state = 'pending'"
            f" AND (lease_expires_at IS NULL OR lease_expires_at <= ?)", (owner, now + lease, *ids, now))
        cursor = await conn.execute(
            f"SELECT delivery_id, actor_mention, name, envelope, attempts, created_at"
            f" FROM webhook_calls WHERE delivery_id IN ({marks}) AND lease_owner = ?"
            f" ORDER BY created_at", (*ids, owner))
        rows = await cursor.fetchall()
        await cursor.close()
    return [Call(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


async def record_outcome(db: Database, delivery_id: str, *, owner: str, state: str,
                         attempts: int, next_attempt_at: float | None, status: int | None,
                         error: str | None, now: float) -> None:
    """Write one try's outcome and free the lease (only if this worker still holds it)."""
    await db.execute(
        "UPDATE webhook_calls SET state = ?, attempts = ?, next_attempt_at = COALESCE(?, next_attempt_at),"
        " lease_owner = NULL, lease_expires_at = NULL, last_status = ?, last_error = ?,"
        " finished_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END"
        " WHERE delivery_id = ? AND lease_owner = ?",
        (state, attempts, next_attempt_at, status, error, state, now, delivery_id, owner))


async def recent_calls(db: Database, actor_mention: str, name: str, *,
                       limit: int = 10) -> list[dict[str, Any]]:
    """The latest calls of one hook, for the owner to see why a hook is not working."""
    rows = await db.fetchall(
        "SELECT delivery_id, state, attempts, last_status, last_error, created_at, finished_at"
        " FROM webhook_calls WHERE actor_mention = ? AND name = ?"
        " ORDER BY created_at DESC LIMIT ?", (actor_mention, name, limit))
    return [dict(row) for row in rows]


async def call_state(db: Database, delivery_id: str) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT * FROM webhook_calls WHERE delivery_id = ?", (delivery_id,))
    return dict(row) if row else None


async def count_pending(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM webhook_calls WHERE state = 'pending'")
    return int(row["n"]) if row else 0


async def prune_finished(db: Database, before: float) -> int:
    """Forget calls (and their envelopes) that finished before ``before``; pending ones stay.

    A call failed by ``delete_hook`` before it recorded ``finished_at`` counts as finished
    when it was created."""
    return await db.execute(
        "DELETE FROM webhook_calls WHERE state != 'pending'"
        " AND COALESCE(finished_at, created_at) < ?", (before,))
