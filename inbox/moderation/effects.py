"""Making the lists true everywhere at once: after any change, every follower and every item
author of the affected local actors is decided again, and the blocked lose their place.

A sender newly blocked: their queued items leave the queue, they leave the followers (and get
a ``Reject`` of their Follow), their approved replies/likes/shares are hidden (kept). A sender
no longer blocked (unblocked, or their block expired): hidden items come back.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fedicore.activities import reject
from inbox.moderation.patterns import parse_pattern
from inbox.moderation.policy import Lists, decide
from inbox.storage import moderation as store
from inbox.storage.db import Database


@dataclass(slots=True)
class Effects:
    """What one reconciliation changed; ``rejects`` are sent once the change is committed."""

    followers_removed: int = 0
    queued_removed: int = 0
    items_hidden: int = 0
    items_restored: int = 0
    rejects: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"followers_removed": self.followers_removed,
                "queued_removed": self.queued_removed, "items_hidden": self.items_hidden,
                "items_restored": self.items_restored}


@dataclass(frozen=True, slots=True)
class _Who:
    user: str
    domain: str


def guess_sender(actor_url: str, known: dict[str, str]) -> _Who | None:
    """The handle behind an actor URL: as recorded by ``decide_for``, else (for actors never
    decided here) the URL's host and last path segment, which is the username on Mastodon,
    Pleroma, GoToSocial and the fake servers of the tests. Domain-wide patterns never depend
    on the guess: the host is always the URL's."""
    if actor_url in known:
        try:
            pattern = parse_pattern(known[actor_url])
            return _Who(pattern.user, pattern.domain)
        except ValueError:
            pass
    if actor_url.startswith("@"):
        try:
            pattern = parse_pattern(actor_url)
            return _Who(pattern.user, pattern.domain)
        except ValueError:
            return None
    try:
        parts = urlsplit(actor_url)
    except ValueError:
        return None
    if not parts.netloc:
        return None
    segments = [s for s in parts.path.split("/") if s]
    user = segments[-1].lstrip("@") if segments else ""
    return _Who(user or "-", parts.netloc.lower())


async def reconcile(
    db: Database, *, actors: Iterable[str] | None, now: float, admins: Iterable[str] = (),
) -> Effects:
    """Re-decide followers and item authors of ``actors`` (None = every local actor).
    Run inside the caller's transaction; then call ``send_rejects``."""
    admins = list(admins)
    local = await store.local_actors(db)
    wanted = None if actors is None else set(actors)
    effects = Effects()
    for mention, actor_url in local:
        if wanted is not None and mention not in wanted:
            continue
        lists = await store.load_lists(db, mention, config_admins=admins)
        await _reconcile_actor(db, mention, actor_url, lists, now, effects)
    return effects


async def _reconcile_actor(db: Database, mention: str, actor_url: str, lists: Lists,
                           now: float, effects: Effects) -> None:
    followers = await store.followers_of(db, mention)
    authors = await store.item_authors(db, mention)
    known = await store.known_senders(db, [f["follower_id"] for f in followers] + list(authors))

    def blocked(url: str) -> bool:
        who = guess_sender(url, known)
        return who is not None and decide(who, lists, now).outcome == "block"

    for row in followers:
        if not blocked(row["follower_id"]):
            continue
        effects.followers_removed += await store.drop_follower(db, mention, row["follower_id"])
        follow = {"id": row["follow_activity_id"] or f"{row['follower_id']}#follow",
                  "type": "Follow", "actor": row["follower_id"], "object": actor_url}
        effects.rejects.append((mention, reject(actor_url, follow), row["inbox"]))
    for author, states in authors.items():
        if blocked(author):
            if "queued" in states:
                effects.queued_removed += await store.drop_queued_items(db, mention, author)
            if "approved" in states:
                effects.items_hidden += await store.hide_items(db, mention, author, now=now)
        elif "hidden" in states:
            effects.items_restored += await store.restore_items(db, mention, author, now=now)


async def send_rejects(db: Database, effects: Effects, *, now: float) -> int:
    """Queue the Rejects through the delivery queue (after the block is committed)."""
    if not effects.rejects:
        return 0
    try:
        enqueue = importlib.import_module("inbox.delivery").enqueue
    except (ImportError, AttributeError):
        enqueue = importlib.import_module("inbox.delivery.queue").enqueue
    for actor, activity, inbox in effects.rejects:
        await enqueue(db, actor=actor, activity=activity, inboxes=[inbox], now=now)
    return len(effects.rejects)
