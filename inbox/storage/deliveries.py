"""SQL of the delivery queue: jobs, per-inbox deliveries with leases, hosts, and their status.

The worker never holds a transaction across network I/O: it claims a batch (one short
transaction), sends, and records many outcomes in one transaction (group commit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inbox.storage.db import Database
from inbox.storage.shared_work import serialize_claims

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class NewDelivery:
    inbox: str
    host: str
    state: str = PENDING
    last_error: str | None = None


async def insert_job(
    db: Database,
    *,
    job_id: str,
    actor: str,
    activity_id: str | None,
    type_: str,
    object_key: str,
    body: str,
    deliveries: Sequence[NewDelivery],
    now: float,
) -> None:
    """Store one job and its deliveries atomically (all or nothing)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO delivery_jobs (id, actor_mention, activity_id, type, object_key, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job_id, actor, activity_id, type_, object_key, body, now),
        )
        await conn.executemany(
            "INSERT INTO deliveries (job_id, actor_mention, inbox, host, object_key, state,"
            " next_attempt_at, last_error, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (job_id, actor, d.inbox, d.host, object_key, d.state, now, d.last_error, now,
                 None if d.state == PENDING else now)
                for d in deliveries
            ],
        )


async def unavailable_hosts(db: Database, hosts: Iterable[str]) -> set[str]:
    """Which of these hosts are marked unavailable."""
    wanted = sorted(set(hosts))
    if not wanted:
        return set()
    rows = await db.fetchall(
        f"SELECT host FROM delivery_hosts WHERE unavailable = 1 AND {db.dialect.in_list('host')}",
        (db.dialect.list_value(wanted),),
    )
    return {row["host"] for row in rows}


# {skip} is Dialect.not_in_list over :skip_hosts, {mine} Dialect.in_list over :mine.
_CLAIMABLE = """
SELECT id FROM (
  SELECT id, rank, mine, DENSE_RANK() OVER (PARTITION BY mine ORDER BY host) AS host_rank FROM (
    SELECT d.id AS id, d.host AS host,
      ROW_NUMBER() OVER (PARTITION BY d.host ORDER BY d.next_attempt_at, d.id) AS rank,
      CASE WHEN {mine} THEN 1 ELSE 0 END AS mine
    FROM deliveries d LEFT JOIN delivery_hosts h ON h.host = d.host
    WHERE d.state = 'pending' AND d.next_attempt_at <= :now
      AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= :now)
      AND COALESCE(h.open_until, 0) <= :now AND COALESCE(h.unavailable, 0) = 0
      AND {skip}
      AND d.host NOT IN (
        SELECT o.host FROM deliveries o
        WHERE o.state = 'pending' AND o.lease_expires_at > :now AND o.lease_owner != :worker)
      AND NOT EXISTS (
        SELECT 1 FROM deliveries e
        WHERE e.inbox = d.inbox AND e.object_key = d.object_key AND e.state = 'pending' AND e.id < d.id)
  ) AS candidates
) AS ranked WHERE rank <= :per_host AND (mine = 1 OR host_rank <= :new_hosts) ORDER BY id LIMIT :limit
"""


async def claim_due(
    db: Database,
    *,
    worker_id: str,
    now: float,
    lease_until: float,
    limit: int,
    per_host: int,
    skip_hosts: Iterable[str] = (),
    mine: Iterable[str] = (),
    new_hosts: int = 1_000_000,
) -> list[dict[str, Any]]:
    """Lease up to ``limit`` due deliveries (at most ``per_host`` per host) to this worker.

    A delivery waits while an earlier delivery to the same inbox about the same object is
    still pending, which keeps Create -> Update -> Delete in order per target inbox. A host
    another worker holds leases on is left to that worker, so per-host limits and the circuit
    breaker (kept by the holder, written to ``delivery_hosts``) hold across workers. Besides
    the hosts it holds (``mine``) a worker takes at most ``new_hosts`` more, its share, so
    that one fan-out spreads over every running worker.
    """
    async with db.transaction() as conn:
        await serialize_claims(db, conn, "deliveries")
        cursor = await conn.execute(
            _CLAIMABLE.format(skip=db.dialect.not_in_list("d.host", ":skip_hosts"),
                              mine=db.dialect.in_list("d.host", ":mine")),
            {"now": now, "per_host": per_host, "limit": limit,
             "skip_hosts": db.dialect.list_value(sorted(skip_hosts)), "worker": worker_id,
             "mine": db.dialect.list_value(sorted(mine)), "new_hosts": new_hosts},
        )
        ids = [row[0] for row in await cursor.fetchall()]
        await cursor.close()
        if not ids:
            return []
        cursor = await conn.execute(
            "UPDATE deliveries SET lease_owner = ?, lease_expires_at = ?"
            f" WHERE {db.dialect.in_list('id')} AND state = 'pending'"
            " AND (lease_expires_at IS NULL OR lease_expires_at <= ?)"
            " RETURNING id, job_id, actor_mention, inbox, host, object_key, attempts",
            (worker_id, lease_until, db.dialect.list_value(ids), now),
        )
        rows = [dict(row) for row in await cursor.fetchall()]
        await cursor.close()
    rows.sort(key=lambda row: row["id"])
    return rows


async def renew_leases(db: Database, *, worker_id: str, lease_until: float) -> int:
    """Keep this worker's claims alive while it is still working on them."""
    return await db.execute(
        "UPDATE deliveries SET lease_expires_at = ? WHERE lease_owner = ? AND state = 'pending'",
        (lease_until, worker_id),
    )


async def release_leases(db: Database, *, worker_id: str, ids: Sequence[int]) -> None:
    """Hand unsent claims back at shutdown so another worker need not wait for expiry."""
    await db.execute(
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL"
        f" WHERE lease_owner = ? AND state = 'pending' AND {db.dialect.in_list('id')}",
        (worker_id, db.dialect.list_value(ids)),
    )


async def lease_owners(db: Database, now: float) -> list[str]:
    """Workers holding unexpired leases on pending deliveries."""
    rows = await db.fetchall(
        "SELECT DISTINCT lease_owner FROM deliveries WHERE state = 'pending' AND lease_owner IS NOT NULL"
        " AND lease_expires_at > ?",
        (now,),
    )
    return [row["lease_owner"] for row in rows]


async def release_owner(db: Database, owner: str) -> int:
    """Free every lease of a worker known to be dead."""
    return await db.execute(
        "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ? AND state = 'pending'",
        (owner,),
    )


async def due_hosts(db: Database, now: float) -> int:
    """How many hosts have deliveries due now (what the running workers share)."""
    row = await db.fetchone(
        "SELECT COUNT(DISTINCT host) AS n FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ?",
        (now,))
    return int(row["n"]) if row else 0


async def newest_delivery_id(db: Database) -> int:
    """The highest delivery id (one index probe): a worker compares it to see new jobs queued
    by another process, which no in-process wake-up reaches."""
    row = await db.fetchone("SELECT MAX(id) AS n FROM deliveries")
    return int(row["n"]) if row and row["n"] is not None else 0


async def job_bodies(db: Database, job_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """job id -> (actor mention, JSON body)."""
    rows = await db.fetchall(
        f"SELECT id, actor_mention, body FROM delivery_jobs WHERE {db.dialect.in_list('id')}",
        (db.dialect.list_value(sorted(set(job_ids))),),
    )
    return {row["id"]: (row["actor_mention"], row["body"]) for row in rows}


async def actor_signing_key(db: Database, actor: str) -> tuple[str, str] | None:
    """(public key id, private key PEM) of a local actor."""
    row = await db.fetchone("SELECT public_key_id, private_key_pem FROM actors WHERE mention = ?", (actor,))
    if row is None or not row["private_key_pem"]:
        return None
    return row["public_key_id"], row["private_key_pem"]


async def load_hosts(db: Database, hosts: Iterable[str]) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        f"SELECT * FROM delivery_hosts WHERE {db.dialect.in_list('host')}",
        (db.dialect.list_value(sorted(set(hosts))),),
    )
    return [dict(row) for row in rows]


@dataclass(frozen=True)
class Outcome:
    """One finished try, ready to be written."""

    delivery_id: int
    actor: str
    inbox: str
    state: str
    attempts: int
    next_attempt_at: float | None
    status: int | None
    error: str | None
    remove_follower: bool
    finished_at: float
    job_id: str = ""


_HOST_UPSERT = """
INSERT INTO delivery_hosts (host, signature_scheme, scheme_probed, consecutive_failures, open_until,
  failure_days, unavailable, last_success_at, last_failure_at, last_error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (host) DO UPDATE SET signature_scheme = excluded.signature_scheme,
  scheme_probed = excluded.scheme_probed, consecutive_failures = excluded.consecutive_failures,
  open_until = excluded.open_until, failure_days = excluded.failure_days,
  unavailable = excluded.unavailable, last_success_at = excluded.last_success_at,
  last_failure_at = excluded.last_failure_at, last_error = excluded.last_error
"""


async def record_outcomes(
    db: Database,
    outcomes: Sequence[Outcome],
    hosts: Sequence[Sequence[Any]],
    *,
    worker_id: str,
    host_of: Callable[[str], str | None] | None = None,
) -> None:
    """Write a batch of outcomes and host states in one transaction (group commit).

    A 410 (``remove_follower``) removes the follower whose own inbox answered. When the
    inbox is a shared inbox of the actor's followers, nobody is removed: the shared inbox is
    marked gone and the same job is queued to each of those followers' own inboxes (``host_of``
    names their hosts), all in this transaction so a crash cannot lose them.
    """
    async with db.transaction() as conn:
        await conn.executemany(
            "UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = COALESCE(?, next_attempt_at),"
            " last_status = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL,"
            " finished_at = ? WHERE id = ? AND lease_owner = ?",
            [
                (o.state, o.attempts, o.next_attempt_at, o.status, o.error,
                 None if o.state == PENDING else o.finished_at, o.delivery_id, worker_id)
                for o in outcomes
            ],
        )
        delivered = [(o.actor, o.inbox, o.finished_at) for o in outcomes if o.state == DELIVERED]
        if delivered:
            await conn.executemany(
                "INSERT INTO delivered_inboxes (actor_mention, inbox, last_delivered_at) VALUES (?, ?, ?)"
                " ON CONFLICT (actor_mention, inbox) DO UPDATE SET last_delivered_at = excluded.last_delivered_at",
                delivered,
            )
        gone = [o for o in outcomes if o.remove_follower]
        if gone:
            await conn.executemany(
                "DELETE FROM followers WHERE actor_mention = ? AND inbox = ?", [(o.actor, o.inbox) for o in gone]
            )
            for outcome in gone:
                await _shared_inbox_gone(conn, outcome, host_of)
        if hosts:
            await conn.executemany(_HOST_UPSERT, hosts)
        unavailable = [row[0] for row in hosts if row[6]]
        if unavailable:
            await conn.execute(
                "UPDATE deliveries SET state = 'failed', last_error = 'host unavailable', finished_at = ?"
                f" WHERE state = 'pending' AND lease_owner IS NULL AND {db.dialect.in_list('host')}",
                (max((o.finished_at for o in outcomes), default=0.0), db.dialect.list_value(unavailable)),
            )


async def _shared_inbox_gone(conn: Any, outcome: Outcome, host_of: Callable[[str], str | None] | None) -> None:
    cursor = await conn.execute(
        "SELECT inbox FROM followers WHERE actor_mention = ? AND shared_inbox = ? AND inbox != shared_inbox",
        (outcome.actor, outcome.inbox),
    )
    own = [row[0] for row in await cursor.fetchall()]
    await cursor.close()
    if not own:
        return
    await conn.execute(
        "INSERT INTO gone_shared_inboxes (actor_mention, inbox, gone_at) VALUES (?, ?, ?)"
        " ON CONFLICT (actor_mention, inbox) DO UPDATE SET gone_at = excluded.gone_at",
        (outcome.actor, outcome.inbox, outcome.finished_at),
    )
    if not outcome.job_id or host_of is None:
        return
    now = outcome.finished_at
    rows = []
    for inbox in dict.fromkeys(own):
        host = host_of(inbox)
        if host:
            rows.append((outcome.job_id, outcome.actor, inbox, host, now, now, outcome.delivery_id))
    await conn.executemany(
        "INSERT INTO deliveries (job_id, actor_mention, inbox, host, object_key, state, next_attempt_at, created_at)"
        " SELECT ?, ?, ?, ?, object_key, 'pending', ?, ? FROM deliveries WHERE id = ?"
        " ON CONFLICT (job_id, inbox) DO NOTHING",
        rows,
    )


async def prune_finished(db: Database, before: float) -> int:
    """Forget deliveries finished before ``before`` and jobs left with none (the outbox and
    ``delivered_inboxes`` keep what later Deletes and backfills need)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM deliveries WHERE state != 'pending' AND finished_at < ?", (before,)
        )
        removed = cursor.rowcount
        await cursor.close()
        await conn.execute(
            "DELETE FROM delivery_jobs WHERE created_at < ? AND NOT EXISTS"
            " (SELECT 1 FROM deliveries d WHERE d.job_id = delivery_jobs.id)",
            (before,),
        )
    return removed


async def mark_host_seen(db: Database, host: str) -> None:
    """The host sent us something: make it available again (no-op for unknown hosts)."""
    await db.execute(
        "UPDATE delivery_hosts SET unavailable = 0, failure_days = '[]', consecutive_failures = 0,"
        " open_until = 0 WHERE host = ? AND (unavailable = 1 OR consecutive_failures > 0)",
        (host.lower(),),
    )


# --- status ---------------------------------------------------------------------------------

async def job_counts(db: Database, job_id: str) -> dict[str, int]:
    rows = await db.fetchall(
        "SELECT state, COUNT(*) AS n FROM deliveries WHERE job_id = ? GROUP BY state", (job_id,)
    )
    counts = {PENDING: 0, DELIVERED: 0, FAILED: 0}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


async def job_exists(db: Database, job_id: str) -> bool:
    return await db.fetchone("SELECT 1 FROM delivery_jobs WHERE id = ?", (job_id,)) is not None


async def queue_depth(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending'")
    return int(row["n"]) if row else 0


async def failing_hosts(db: Database) -> list[dict[str, Any]]:
    """Hosts with failures, worst first, with their pending deliveries."""
    rows = await db.fetchall(
        "SELECT h.host, h.consecutive_failures, h.unavailable, h.open_until, h.failure_days,"
        " h.last_success_at, h.last_failure_at, h.last_error,"
        " (SELECT COUNT(*) FROM deliveries d WHERE d.host = h.host AND d.state = 'pending') AS pending"
        " FROM delivery_hosts h WHERE h.consecutive_failures > 0 OR h.unavailable = 1"
        " ORDER BY h.unavailable DESC, h.consecutive_failures DESC, h.host"
    )
    return [dict(row) for row in rows]


async def state_counts(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
    counts = {PENDING: 0, DELIVERED: 0, FAILED: 0}
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


async def job_failures(db: Database, job_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The deliveries of a job that are not delivered yet, with why."""
    rows = await db.fetchall(
        "SELECT inbox, state, attempts, last_status, last_error, next_attempt_at FROM deliveries"
        " WHERE job_id = ? AND state != 'delivered' AND last_error IS NOT NULL ORDER BY id LIMIT ?",
        (job_id, limit),
    )
    return [dict(row) for row in rows]
