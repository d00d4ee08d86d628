"""Reads what ``author_rules.settle`` needs (the author's rules, facts about the sender) and
asks it. Called only for activities the lists would queue, so the common paths cost nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from inbox.moderation.author_rules import DEFAULT, AuthorRules, Facts, Settled, parse_rules, settle
from inbox.storage import desk as store
from inbox.storage.db import Database


async def rules_of(db: Database, actor_mention: str) -> AuthorRules:
    found = await store.get_rules(db, actor_mention)
    if found is None:
        return DEFAULT
    try:
        return parse_rules(found[0])
    except ValueError:  # written by an older version: the defaults, rather than nothing
        return DEFAULT


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
