"""SQL of work shared by many nodes on one database: claims on received activities, named
leases for singleton jobs, and the cache generation counter.

Every claim is one transaction that reads candidates and then updates only rows that are still
free (the condition is repeated in the UPDATE, so a concurrent claimer that won a row first
makes ours skip it on any backend); the caller gets back exactly the rows it now holds.
"""

from __future__ import annotations

from typing import Any

from inbox.storage.activities import StoredActivity, _from_row
from inbox.storage.db import Database
from inbox.storage.dialect import POSTGRESQL

# Claims look at what other holders hold (a host's leases, an actor's earlier activity), so two
# must not run side by side: SQLite's BEGIN IMMEDIATE already runs one writer at a time; on
# PostgreSQL a transaction-scoped advisory lock does (taken before the claim's first read, so
# that read sees every earlier claim committed). Claims are short: this costs little.
_CLAIM_LOCKS = {"deliveries": 18_001, "activities": 18_002}


async def serialize_claims(db: Database, conn: Any, kind: str) -> None:
    """Call first inside the claim's transaction."""
    if db.dialect.name == POSTGRESQL:
        cursor = await conn.execute(f"SELECT pg_advisory_xact_lock({_CLAIM_LOCKS[kind]})")
        await cursor.close()

_FREE = "(claim_expires_at IS NULL OR claim_expires_at <= :now OR claimed_by = :owner)"

_CLAIMABLE_ACTIVITIES = """
SELECT a.id, a.actor FROM activities a
WHERE a.processed_at IS NULL
  AND (a.claim_expires_at IS NULL OR a.claim_expires_at <= :now OR a.claimed_by = :owner)
  AND NOT EXISTS (
    SELECT 1 FROM activities b
    WHERE b.actor = a.actor AND b.processed_at IS NULL AND b.received_at <= a.received_at
      AND b.claimed_by IS NOT NULL AND b.claimed_by != :owner AND b.claim_expires_at > :now)
ORDER BY a.received_at, a.rowid LIMIT :limit
"""


async def claim_activities(db: Database, *, owner: str, now: float, until: float,
                           limit: int) -> list[StoredActivity]:
    """Lease up to ``limit`` unprocessed activities to ``owner``, oldest first. An actor whose
    earlier activity another node holds waits for it (a Follow is applied before its Undo)."""
    params = {"owner": owner, "now": now, "until": until, "limit": limit}
    async with db.transaction() as conn:
        await serialize_claims(db, conn, "activities")
        cursor = await conn.execute(_CLAIMABLE_ACTIVITIES, params)
        keys = [(row[0], row[1]) for row in await cursor.fetchall()]
        await cursor.close()
        if not keys:
            return []
        held: dict[tuple[str, str], Any] = {}
        if db.dialect.name == POSTGRESQL:  # one statement for the batch, not one a row
            batch = ("(id, actor) IN (SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:actors AS text[])))",
                     {"ids": [key[0] for key in keys], "actors": [key[1] for key in keys]})
        else:  # SQLite: the pairs as a VALUES list, two parameters each (a batch is a few
            # hundred). Selected from, so each pair is a primary-key search: a bare
            # ``IN (VALUES ...)`` scans the unprocessed rows instead.
            batch = ("(id, actor) IN (SELECT column1, column2 FROM (VALUES " + ", ".join(
                f"(:id{number}, :actor{number})" for number in range(len(keys))) + "))",
                {name: value for number, (activity_id, actor) in enumerate(keys)
                 for name, value in ((f"id{number}", activity_id), (f"actor{number}", actor))})
        cursor = await conn.execute(
            "UPDATE activities SET claimed_by = :owner, claim_expires_at = :until"
            f" WHERE {batch[0]} AND processed_at IS NULL AND {_FREE}"
            " RETURNING id, actor, type, inbox_mention, raw, received_at", {**params, **batch[1]})
        for row in await cursor.fetchall():
            held[(row[0], row[1])] = row
        await cursor.close()
    return [_from_row(held[key]) for key in keys if key in held]


async def activity_claim_owners(db: Database, now: float) -> list[str]:
    """Owners holding unexpired claims on unprocessed activities."""
    rows = await db.fetchall(
        "SELECT DISTINCT claimed_by FROM activities WHERE processed_at IS NULL"
        " AND claimed_by IS NOT NULL AND claim_expires_at > ?", (now,))
    return [row["claimed_by"] for row in rows]


async def release_activity_claims(db: Database, owner: str) -> int:
    """Free the claims of an owner known to be gone (or stopping)."""
    return await db.execute(
        "UPDATE activities SET claimed_by = NULL, claim_expires_at = NULL"
        " WHERE claimed_by = ? AND processed_at IS NULL", (owner,))


async def take_named_lease(db: Database, name: str, *, owner: str, now: float, until: float) -> bool:
    """Hold the lease ``name`` until ``until`` if it is free, expired or already ours."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO worker_leases (name, owner, expires_at) VALUES (:name, :owner, :until)"
            " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at"
            " WHERE worker_leases.expires_at <= :now OR worker_leases.owner = excluded.owner",
            {"name": name, "owner": owner, "now": now, "until": until})
        cursor = await conn.execute("SELECT owner FROM worker_leases WHERE name = ?", (name,))
        row = await cursor.fetchone()
        await cursor.close()
    return row is not None and row[0] == owner


async def drop_named_lease(db: Database, name: str, *, owner: str) -> None:
    await db.execute("DELETE FROM worker_leases WHERE name = ? AND owner = ?", (name, owner))


async def live_holders(db: Database, prefix: str, now: float) -> list[str]:
    """Owners of unexpired named leases whose name starts with ``prefix`` (worker heartbeats)."""
    rows = await db.fetchall(
        "SELECT owner FROM worker_leases WHERE substr(name, 1, length(?)) = ? AND expires_at > ?",
        (prefix, prefix, now))
    return [row["owner"] for row in rows]


BUMP_GENERATION = "UPDATE cache_generations SET version = version + 1 WHERE name = 'shared'"


async def bump_generation(db_or_conn: Any) -> None:
    """Tell every node that what it caches (lists, blocks, actors, rules) changed."""
    cursor = await db_or_conn.execute(BUMP_GENERATION)
    if hasattr(cursor, "close"):
        await cursor.close()


async def generation(db: Database) -> int:
    row = await db.fetchone("SELECT version FROM cache_generations WHERE name = 'shared'")
    return int(row["version"]) if row else 0


async def renew_activity_claims(db: Database, owner: str, *, until: float) -> int:
    return await db.execute(
        "UPDATE activities SET claim_expires_at = ? WHERE claimed_by = ? AND processed_at IS NULL",
        (until, owner))
