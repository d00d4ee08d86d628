"""Moderation against the database: the decision for an incoming activity, and the actions
(list changes, domain blocks, imports, block-from-report, notes) with their audit entries
and their effects. Every action is one transaction: it applies entirely or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inbox.moderation.blocklist_csv import BlocklistDiff, BlocklistEntry, diff_blocklist
from inbox.moderation.effects import Effects, guess_sender, reconcile, send_rejects
from inbox.moderation.patterns import (
    ANY, Pattern, Sender, domain_matches, parse_domain, parse_pattern, split_port,
)
from inbox.moderation.policy import RULES, Decision, decide
from inbox.storage import moderation as store
from inbox.storage.db import Database

GLOBAL = store.GLOBAL
OPERATOR = "operator"
# list name -> (audit action when added, audit action when removed)
_LIST_ACTIONS = {"block": ("block", "unblock"), "allow": ("allow", "unallow"),
                 "admin": ("admin_add", "admin_remove")}


def domain_block_keys(domain: str) -> list[str]:
    """Every ``domain_blocks.domain`` value that could cover ``domain``: the host and each
    parent (a block covers subdomains), with and without ``*.``, with and without the port."""
    host, port = split_port(domain.lower().rstrip("."))
    labels = host.split(".")
    keys = []
    for i in range(len(labels)):
        parent = ".".join(labels[i:])
        keys += [parent, "*." + parent]
        if port:
            keys += [f"{parent}:{port}", f"*.{parent}:{port}"]
    return keys


async def decide_for(
    db: Database, *, actor: str, sender: Sender, now: float,
    activity_type: str | None = None, admins: Iterable[str] = (), actor_url: str | None = None,
) -> Decision:
    """allow / block / queue for an activity from ``sender`` to local ``actor`` at ``now``.

    Optional: ``activity_type`` lets a domain's ``reject_reports`` drop Flags; ``admins`` adds
    the config file's admins; ``actor_url`` records who is behind that URL, so a later block
    of ``@user@domain`` finds their follower rows and items."""
    if actor_url:
        await store.remember_sender(db, actor_url, f"@{sender.user}@{sender.domain}", now=now)
    lists = await store.load_lists(db, actor, config_admins=admins,
                                   domain_keys=domain_block_keys(sender.domain))
    return decide(sender, lists, now, activity_type=activity_type)


async def domain_suspended(db: Database, domain: str, *, now: float) -> bool:
    """Is ``domain`` (or a parent) suspended right now? For key fetches and deliveries."""
    blocks = await store.load_domain_blocks(db, keys=domain_block_keys(domain))
    return any(b.severity == "suspend" and b.active(now) and b.covers(domain) for b in blocks)


async def domain_refused(db: Database, *, actor: str, domain: str, now: float,
                         admins: Iterable[str] = ()) -> bool:
    """May every sender on ``domain`` be refused before their key is even fetched?

    True when the domain is suspended, or a domain-wide block applies and no earlier-ranked
    allow entry names a particular user there (that user must still get through)."""
    lists = await store.load_lists(db, actor, config_admins=admins,
                                   domain_keys=domain_block_keys(domain))
    anyone = decide(_AnyUser(domain), lists, now)
    if anyone.outcome != "block":
        return False
    if anyone.rule == "domain_suspend":
        return True
    earlier = RULES[: RULES.index(anyone.rule)] if anyone.rule in RULES else RULES
    for rule in earlier:
        for entry in getattr(lists, rule):
            if (entry.active(now) and entry.pattern.user != ANY
                    and domain_matches(entry.pattern.domain, domain)):
                return False
    return True


async def is_admin(db: Database, handle: Sender, *, now: float,
                   config_admins: Iterable[str] = ()) -> bool:
    """Is ``handle`` on the global admins list (stored via /v1/admins, or in the config)?"""
    lists = await store.load_lists(db, GLOBAL, config_admins=config_admins, domain_keys=[])
    return any(e.active(now) and e.pattern.matches(handle) for e in lists.admins)


@dataclass(frozen=True, slots=True)
class _AnyUser:
    domain: str
    user: str = ""


@dataclass(slots=True)
class Change:
    """What an action did: rows changed, and the effects on followers and items."""

    changed: int = 0
    effects: Effects = field(default_factory=Effects)
    detail: dict[str, Any] = field(default_factory=dict)


async def _finish(db: Database, change: Change, now: float) -> Change:
    await send_rejects(db, change.effects, now=now)
    return change


async def add_to_list(
    db: Database, *, scope: str, list_name: str, patterns: Sequence[Pattern], who: str,
    now: float, reason: str = "", expires_at: float | None = None, admins: Iterable[str] = (),
) -> Change:
    """Add (or refresh, with a new expiry) entries of a list; ``scope`` '' = global."""
    if list_name not in _LIST_ACTIONS or (list_name == "admin" and scope != GLOBAL):
        raise ValueError(f"no such list: {list_name}")
    change = Change()
    async with db.transaction():
        change.changed = await store.put_entries(db, scope, list_name, patterns,
                                                 expires_at=expires_at, reason=reason, who=who,
                                                 now=now)
        for pattern in patterns:
            await store.add_audit(db, scope=scope, who=who, action=_LIST_ACTIONS[list_name][0],
                                  target=str(pattern), reason=reason, now=now,
                                  expires_at=expires_at)
        change.effects = await reconcile(db, actors=[scope] if scope else None, now=now,
                                         admins=admins)
    return await _finish(db, change, now)


async def remove_from_list(
    db: Database, *, scope: str, list_name: str, patterns: Sequence[Pattern], who: str,
    now: float, reason: str = "", admins: Iterable[str] = (),
) -> Change:
    if list_name not in _LIST_ACTIONS:
        raise ValueError(f"no such list: {list_name}")
    change = Change()
    async with db.transaction():
        change.changed = await store.delete_entries(db, scope, list_name, patterns)
        for pattern in patterns:
            await store.add_audit(db, scope=scope, who=who, action=_LIST_ACTIONS[list_name][1],
                                  target=str(pattern), reason=reason, now=now)
        change.effects = await reconcile(db, actors=[scope] if scope else None, now=now,
                                         admins=admins)
    return await _finish(db, change, now)


async def block_domain(
    db: Database, entry: BlocklistEntry, *, who: str, now: float, reason: str = "",
    expires_at: float | None = None, admins: Iterable[str] = (),
) -> Change:
    """The operator's own domain block (source ``operator``: imports never touch it)."""
    row = store.DomainBlockRow(entry.domain, entry.severity, entry.reject_media,
                               entry.reject_reports, entry.public_comment or reason,
                               entry.obfuscate, OPERATOR, expires_at)
    change = Change(changed=1)
    async with db.transaction():
        await store.put_domain_block(db, row, now=now)
        await store.add_audit(db, scope=GLOBAL, who=who, action=f"domain_{entry.severity}",
                              target=entry.domain, reason=reason, now=now, expires_at=expires_at,
                              detail={"reject_reports": entry.reject_reports,
                                      "reject_media": entry.reject_media})
        change.effects = await reconcile(db, actors=None, now=now, admins=admins)
    return await _finish(db, change, now)


async def unblock_domain(db: Database, domain: str, *, who: str, now: float,
                         reason: str = "", admins: Iterable[str] = ()) -> Change:
    change = Change()
    async with db.transaction():
        change.changed = await store.delete_domain_block(db, domain)
        await store.add_audit(db, scope=GLOBAL, who=who, action="domain_unblock", target=domain,
                              reason=reason, now=now)
        change.effects = await reconcile(db, actors=None, now=now, admins=admins)
    return await _finish(db, change, now)


async def stored_blocklist(db: Database) -> dict[str, tuple[BlocklistEntry, str]]:
    rows = await store.domain_block_rows(db)
    return {r.domain: (BlocklistEntry(r.domain, r.severity, r.reject_media, r.reject_reports,
                                      r.public_comment, r.obfuscate), r.source) for r in rows}


async def import_blocklist(
    db: Database, entries: Sequence[BlocklistEntry], *, source: str, who: str, now: float,
    dry_run: bool = False, admins: Iterable[str] = (),
) -> tuple[BlocklistDiff, Change]:
    """Make the rows of ``source`` equal ``entries``, in one transaction (safe while the
    server runs: readers see the old list or the new one). Idempotent; the operator's own
    rows are kept. ``dry_run`` computes the diff only."""
    if source == OPERATOR:
        raise ValueError("'operator' is reserved for hand-made blocks")
    change = Change()
    if dry_run:
        return diff_blocklist(entries, await stored_blocklist(db), source), change
    async with db.transaction():
        diff = diff_blocklist(entries, await stored_blocklist(db), source)
        for entry in diff.added + diff.updated:
            await store.put_domain_block(db, store.DomainBlockRow(
                entry.domain, entry.severity, entry.reject_media, entry.reject_reports,
                entry.public_comment, entry.obfuscate, source, None), now=now)
        for domain in diff.removed:
            await store.delete_domain_block(db, domain)
        change.changed = len(diff.added) + len(diff.updated) + len(diff.removed)
        await store.add_audit(db, scope=GLOBAL, who=who, action="import", target=source,
                              now=now, detail=diff.counts())
        if change.changed:
            change.effects = await reconcile(db, actors=None, now=now, admins=admins)
    return diff, await _finish(db, change, now)


async def block_from_report(
    db: Database, *, actor: str, activity_id: str, who: str, now: float, reason: str = "",
    expires_at: float | None = None, whole_domain: bool = False, admins: Iterable[str] = (),
) -> Change | None:
    """Block the sender of a queued report (or any item) on ``actor``'s own blocklist.
    None if there is no such item."""
    item = await store.queued_item(db, actor, activity_id)
    if item is None:
        return None
    who_sent = guess_sender(item["author"], await store.known_senders(db, [item["author"]]))
    if who_sent is None:
        return None
    text = f"@*@{who_sent.domain}" if whole_domain else f"@{who_sent.user}@{who_sent.domain}"
    change = await add_to_list(db, scope=actor, list_name="block", patterns=[parse_pattern(text)],
                               who=who, now=now, reason=reason or f"from report {activity_id}",
                               expires_at=expires_at, admins=admins)
    change.detail = {"blocked": text}
    return change


async def record(db: Database, *, scope: str, who: str, action: str, target: str, now: float,
                 reason: str = "", detail: dict[str, Any] | None = None) -> None:
    """Audit an action taken elsewhere (the inbox's approve / reject of a queued item)."""
    await store.add_audit(db, scope=scope, who=who, action=action, target=target, now=now,
                          reason=reason, detail=detail)


async def audit_view(db: Database, *, scope: str | None, now: float, limit: int = 100,
                     before_id: int | None = None) -> list[dict[str, Any]]:
    """Audit rows, newest first, each with ``expired``: its expiry has passed at ``now``."""
    rows = await store.audit_rows(db, scope=scope, limit=limit, before_id=before_id)
    for row in rows:
        row["expired"] = row["expires_at"] is not None and row["expires_at"] <= now
    return rows


async def add_note(db: Database, *, scope: str, target: str, author: str, body: str,
                   now: float) -> int:
    """A note on a remote actor (``@user@domain``) or a domain; audited."""
    target = normalise_target(target)
    body = body.strip()
    if not body:
        raise ValueError("a note needs some text")
    async with db.transaction():
        note_id = await store.add_note(db, scope=scope, target=target, author=author,
                                       body=body[:5000], now=now)
        await store.add_audit(db, scope=scope, who=author, action="note", target=target,
                              now=now, detail={"note": note_id})
    return note_id


def normalise_target(text: str) -> str:
    """``@user@domain`` (or a pattern) → canonical pattern text; a bare domain → domain."""
    text = text.strip()
    if "@" in text:
        return str(parse_pattern(text))
    return parse_domain(text)
