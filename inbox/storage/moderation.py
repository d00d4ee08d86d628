"""SQL for moderation: list entries, domain blocks, subscriptions, audit log, notes.

Callers that change several rows wrap the calls in ``db.transaction()`` so a list is never
half-applied; these functions never open transactions themselves unless they say so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inbox.moderation.patterns import Pattern, parse_pattern
from inbox.moderation.policy import DomainBlock, Entry, Lists
from inbox.storage.db import Database
from inbox.storage.shared_work import bump_generation

GLOBAL = ""


# ---- list entries -------------------------------------------------------------------------

async def load_lists(
    db: Database, actor: str, *, config_admins: Iterable[str] = (),
    domain_keys: Sequence[str] | None = None,
) -> Lists:
    """Every entry the decision for ``actor`` may read (expired ones too: ``decide`` judges).
    ``domain_keys`` limits the domain blocks read to those rows (the sender's domain)."""
    rows = await db.fetchall(
        "SELECT scope, list, pattern, expires_at FROM moderation_entries"
        " WHERE scope = ? OR scope = ?",
        (actor, GLOBAL),
    )
    buckets: dict[str, list[Entry]] = {
        "actor_allow": [], "actor_block": [], "admins": [], "global_block": [], "global_allow": [],
    }
    for row in rows:
        try:
            entry = Entry(parse_pattern(row["pattern"]), row["expires_at"])
        except ValueError:
            continue  # never stored by this code; skip rather than fail every inbox request
        prefix = "actor" if row["scope"] == actor and actor != GLOBAL else "global"
        key = "admins" if row["list"] == "admin" else f"{prefix}_{row['list']}"
        buckets[key].append(entry)
    for mention in config_admins:
        try:
            buckets["admins"].append(Entry(parse_pattern(mention)))
        except ValueError:
            continue
    blocks = await load_domain_blocks(db, keys=domain_keys)
    return Lists(
        actor_allow=tuple(buckets["actor_allow"]),
        actor_block=tuple(buckets["actor_block"]),
        admins=tuple(buckets["admins"]),
        global_block=tuple(buckets["global_block"]),
        global_allow=tuple(buckets["global_allow"]),
        domain_blocks=tuple(blocks),
    )


@dataclass(frozen=True, slots=True)
class StoredEntry:
    pattern: str
    expires_at: float | None
    reason: str
    created_by: str
    created_at: float


async def list_entries(db: Database, scope: str, list_name: str) -> list[StoredEntry]:
    rows = await db.fetchall(
        "SELECT pattern, expires_at, reason, created_by, created_at FROM moderation_entries"
        " WHERE scope = ? AND list = ? ORDER BY created_at, pattern",
        (scope, list_name),
    )
    return [StoredEntry(r["pattern"], r["expires_at"], r["reason"], r["created_by"],
                        r["created_at"]) for r in rows]


async def put_entries(
    db: Database, scope: str, list_name: str, patterns: Sequence[Pattern], *,
    expires_at: float | None, reason: str, who: str, now: float,
) -> int:
    """Insert or refresh entries (a re-add replaces the expiry); returns how many rows."""
    await db.executemany(
        "INSERT INTO moderation_entries"
        " (scope, list, pattern, expires_at, reason, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (scope, list, pattern) DO UPDATE SET expires_at = excluded.expires_at,"
        " reason = excluded.reason, created_by = excluded.created_by,"
        " created_at = excluded.created_at",
        [(scope, list_name, str(p), expires_at, reason, who, now) for p in patterns],
    )
    await bump_generation(db)
    return len(patterns)


async def delete_entries(
    db: Database, scope: str, list_name: str, patterns: Sequence[Pattern]
) -> int:
    removed = 0
    for pattern in patterns:
        removed += await db.execute(
            "DELETE FROM moderation_entries WHERE scope = ? AND list = ? AND pattern = ?",
            (scope, list_name, str(pattern)),
        )
    await bump_generation(db)
    return removed


# ---- domain blocks ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DomainBlockRow:
    domain: str
    severity: str
    reject_media: bool
    reject_reports: bool
    public_comment: str
    obfuscate: bool
    source: str
    expires_at: float | None

    def as_policy(self) -> DomainBlock:
        return DomainBlock(self.domain, self.severity, self.reject_media,  # type: ignore[arg-type]
                           self.reject_reports, self.expires_at)


def _block_row(row: Any) -> DomainBlockRow:
    return DomainBlockRow(row["domain"], row["severity"], bool(row["reject_media"]),
                          bool(row["reject_reports"]), row["public_comment"],
                          bool(row["obfuscate"]), row["source"], row["expires_at"])


async def domain_block_rows(db: Database, *, source: str | None = None) -> list[DomainBlockRow]:
    if source is None:
        rows = await db.fetchall("SELECT * FROM domain_blocks ORDER BY domain")
    else:
        rows = await db.fetchall(
            "SELECT * FROM domain_blocks WHERE source = ? ORDER BY domain", (source,))
    return [_block_row(r) for r in rows]


async def load_domain_blocks(
    db: Database, *, keys: Sequence[str] | None = None
) -> list[DomainBlock]:
    if keys is None:
        return [row.as_policy() for row in await domain_block_rows(db)]
    if not keys:  # "IN ()" is SQLite-only
        return []
    marks = ", ".join("?" for _ in keys)
    rows = await db.fetchall(f"SELECT * FROM domain_blocks WHERE domain IN ({marks})", keys)
    return [_block_row(r).as_policy() for r in rows]


async def put_domain_block(db: Database, row: DomainBlockRow, *, now: float) -> None:
    await db.execute(
        "INSERT INTO domain_blocks (domain, severity, reject_media, reject_reports,"
        " public_comment, obfuscate, source, expires_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity,"
        " reject_media = excluded.reject_media, reject_reports = excluded.reject_reports,"
        " public_comment = excluded.public_comment, obfuscate = excluded.obfuscate,"
        " source = excluded.source, expires_at = excluded.expires_at,"
        " updated_at = excluded.updated_at",
        (row.domain, row.severity, int(row.reject_media), int(row.reject_reports),
         row.public_comment, int(row.obfuscate), row.source, row.expires_at, now, now),
    )
    await bump_generation(db)


async def delete_domain_block(db: Database, domain: str) -> int:
    removed = await db.execute("DELETE FROM domain_blocks WHERE domain = ?", (domain,))
    await bump_generation(db)
    return removed


# ---- subscriptions ------------------------------------------------------------------------

async def put_subscription(db: Database, url: str, *, interval: float, now: float) -> None:
    await db.execute(
        "INSERT INTO blocklist_subscriptions (url, interval_seconds, next_fetch_at, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
        " interval_seconds = excluded.interval_seconds, next_fetch_at = excluded.next_fetch_at",
        (url, interval, now, now),
    )


async def delete_subscription(db: Database, url: str) -> int:
    return await db.execute("DELETE FROM blocklist_subscriptions WHERE url = ?", (url,))


async def subscriptions(db: Database, *, due_at: float | None = None) -> list[dict[str, Any]]:
    if due_at is None:
        rows = await db.fetchall("SELECT * FROM blocklist_subscriptions ORDER BY url")
    else:
        rows = await db.fetchall(
            "SELECT * FROM blocklist_subscriptions WHERE next_fetch_at <= ? ORDER BY url",
            (due_at,))
    return [dict(r) for r in rows]


async def mark_subscription(db: Database, url: str, *, status: str, now: float) -> None:
    await db.execute(
        "UPDATE blocklist_subscriptions SET last_fetched_at = ?, last_status = ?,"
        " next_fetch_at = ? + interval_seconds WHERE url = ?",
        (now, status[:500], now, url),
    )


# ---- audit log and notes ------------------------------------------------------------------

async def add_audit(
    db: Database, *, scope: str, who: str, action: str, target: str, now: float,
    reason: str = "", detail: dict[str, Any] | None = None, expires_at: float | None = None,
) -> None:
    await db.execute(
        "INSERT INTO moderation_audit (at, scope, who, action, target, reason, detail, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (now, scope, who, action, target, reason, json.dumps(detail or {}, sort_keys=True),
         expires_at),
    )


async def audit_rows(
    db: Database, *, scope: str | None, limit: int = 100, before_id: int | None = None
) -> list[dict[str, Any]]:
    """Newest first. ``scope=None`` reads every scope (the operator's view)."""
    clauses, params = [], []
    if scope is not None:
        clauses.append("scope = ?")
        params.append(scope)
    if before_id is not None:
        clauses.append("id < ?")
        params.append(before_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await db.fetchall(
        f"SELECT * FROM moderation_audit{where} ORDER BY id DESC LIMIT ?", (*params, limit))
    out = []
    for row in rows:
        item = dict(row)
        item["detail"] = json.loads(item["detail"] or "{}")
        out.append(item)
    return out


async def add_note(db: Database, *, scope: str, target: str, author: str, body: str,
                   now: float) -> int:
    row = await db.fetchone(
        "INSERT INTO moderation_notes (scope, target, author, body, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id", (scope, target, author, body, now))
    return int(row["id"]) if row else 0


async def notes(db: Database, *, scope: str, target: str | None = None) -> list[dict[str, Any]]:
    if target is None:
        rows = await db.fetchall(
            "SELECT * FROM moderation_notes WHERE scope = ? ORDER BY id", (scope,))
    else:
        rows = await db.fetchall(
            "SELECT * FROM moderation_notes WHERE scope = ? AND target = ? ORDER BY id",
            (scope, target))
    return [dict(r) for r in rows]


async def delete_note(db: Database, *, scope: str, note_id: int) -> int:
    return await db.execute(
        "DELETE FROM moderation_notes WHERE scope = ? AND id = ?", (scope, note_id))


# ---- effects over the inbox engineer's tables (followers, inbox_items) ---------------------
# A block hides a sender's approved replies/likes/shares by moving them to state 'hidden'
# (the public collections read only 'approved'), deletes their queued items, and removes
# them from followers. Unblocking moves 'hidden' back to 'approved'.

HIDEABLE_KINDS = ("reply", "like", "share", "emoji", "quote")


async def remember_sender(db: Database, actor_url: str, mention: str, *, now: float) -> None:
    await db.execute(
        "INSERT INTO moderation_senders (actor_url, mention, seen_at) VALUES (?, ?, ?)"
        " ON CONFLICT (actor_url) DO UPDATE SET mention = excluded.mention,"
        " seen_at = excluded.seen_at",
        (actor_url, mention, now),
    )


async def known_senders(db: Database, actor_urls: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    urls = list(actor_urls)
    for start in range(0, len(urls), 500):
        chunk = urls[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = await db.fetchall(
            f"SELECT actor_url, mention FROM moderation_senders WHERE actor_url IN ({marks})",
            chunk)
        found.update({r["actor_url"]: r["mention"] for r in rows})
    return found


async def local_actors(db: Database) -> list[tuple[str, str]]:
    """(mention, actor_url) of every registered local actor."""
    rows = await db.fetchall("SELECT mention, actor_url FROM actors ORDER BY mention")
    return [(r["mention"], r["actor_url"]) for r in rows]


async def actor_url_of(db: Database, mention: str) -> str | None:
    row = await db.fetchone("SELECT actor_url FROM actors WHERE mention = ?", (mention,))
    return row["actor_url"] if row else None


async def followers_of(db: Database, actor: str) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT follower_id, inbox, shared_inbox, follow_activity_id FROM followers"
        " WHERE actor_mention = ?", (actor,))
    return [dict(r) for r in rows]


async def drop_follower(db: Database, actor: str, follower_id: str) -> int:
    return await db.execute(
        "DELETE FROM followers WHERE actor_mention = ? AND follower_id = ?", (actor, follower_id))


async def item_authors(db: Database, actor: str) -> dict[str, set[str]]:
    """author → the states of their items for ``actor`` (queued, approved, hidden, ...)."""
    rows = await db.fetchall(
        "SELECT DISTINCT author, state FROM inbox_items WHERE actor_mention = ?", (actor,))
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["author"], set()).add(row["state"])
    return found


async def drop_queued_items(db: Database, actor: str, author: str) -> int:
    return await db.execute(
        "DELETE FROM inbox_items WHERE actor_mention = ? AND author = ? AND state = 'queued'",
        (actor, author))


async def hide_items(db: Database, actor: str, author: str, *, now: float) -> int:
    marks = ", ".join("?" for _ in HIDEABLE_KINDS)
    return await db.execute(
        "UPDATE inbox_items SET state = 'hidden', updated_at = ? WHERE actor_mention = ?"
        f" AND author = ? AND state = 'approved' AND kind IN ({marks})",
        (now, actor, author, *HIDEABLE_KINDS))


async def restore_items(db: Database, actor: str, author: str, *, now: float) -> int:
    return await db.execute(
        "UPDATE inbox_items SET state = 'approved', updated_at = ? WHERE actor_mention = ?"
        " AND author = ? AND state = 'hidden'", (now, actor, author))


async def queued_item(db: Database, actor: str, activity_id: str) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT activity_id, kind, author, state FROM inbox_items"
        " WHERE actor_mention = ? AND activity_id = ?", (actor, activity_id))
    return dict(row) if row else None


async def expired_between(db: Database, since: float, now: float) -> int:
    """How many entries and domain blocks expired in (since, now]."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM moderation_entries WHERE expires_at > ? AND expires_at <= ?)"
        " + (SELECT COUNT(*) FROM domain_blocks WHERE expires_at > ? AND expires_at <= ?) AS n",
        (since, now, since, now))
    return int(row["n"]) if row else 0
