"""Reads what ``author_rules.settle`` needs (the author's rules, facts about the sender) and
asks it. Called only for activities the lists would queue, so the common paths cost nothing."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from inbox.moderation.author_rules import DEFAULT, AuthorRules, Facts, Settled, parse_rules, settle
from inbox.storage import desk as store
from inbox.storage.db import Database


# Rules read in the last CACHE_SECONDS, per database file and actor: processing asks for every
# queued item. ``PUT /rules`` in this process forgets its entry at once (another process's
# change applies within CACHE_SECONDS, as for the moderation answers).
CACHE_SECONDS = 10.0
_cache: dict[tuple[int, str, str], tuple[float, AuthorRules]] = {}


def forget(db: Database, actor_mention: str) -> None:
    _cache.pop((id(db), str(db.path), actor_mention), None)


def forget_all(db: Database) -> None:
    """Another process changed rules: forget every actor's rules read from ``db``."""
    for key in [key for key in _cache if key[0] == id(db)]:
        _cache.pop(key, None)


async def rules_of(db: Database, actor_mention: str) -> AuthorRules:
    key = (id(db), str(db.path), actor_mention)
    cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    found = await store.get_rules(db, actor_mention)
    rules = DEFAULT
    if found is not None:
        try:
            rules = parse_rules(found[0])
        except ValueError:  # written by an older version: the defaults, rather than nothing
            rules = DEFAULT
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[key] = (time.monotonic() + CACHE_SECONDS, rules)
    return rules


async def settle_queued(db: Database, *, actor_mention: str, kind: str, author: str, sender: Any,
                        now: float) -> Settled:
    """The outcome of an item the lists would queue: allowed by the author's defaults or rules,
    or queued, with the reason the desk shows."""
    rules = await rules_of(db, actor_mention)
    facts = None
    if kind not in ("like", "share", "emoji"):
        domain = getattr(sender, "domain", None) or (urlsplit(author).hostname or "")
        facts = Facts(domain=str(domain),
                      approved_before=rules.approve_known
                      and await store.approved_before(db, actor_mention, author),
                      follower_since=await store.follower_since(db, actor_mention, author)
                      if rules.approve_followers_days is not None else None)
    return settle("queue", kind, rules, facts, now=now)
