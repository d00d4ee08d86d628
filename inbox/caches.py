"""Short-lived caches of the inbox's hot path: local actors by mention and moderation answers.

Entries live a few seconds (``BLOCK_CACHE_SECONDS``), never past the expiry of the rule that
decided them, and ``clear()`` (called by every API that changes actors or lists) drops them all.
A change made from another process (the CLI) shows within those few seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from inbox.moderation import decide_for
from inbox.storage.actors import LocalActor, get_actor

BLOCK_CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class _DomainOnly:
    """A sender known only by its key's domain: matches domain-wide patterns and domain blocks."""

    user: str
    domain: str


def _fresh(entry: tuple[float, float | None, str], now: float) -> bool:
    """A cached decision holds for a few seconds, and never past its rule's expiry."""
    deadline, expires, _ = entry
    return deadline > time.monotonic() and (expires is None or now < expires)


class LocalActorCache:
    """Local actors by mention for the hot path; short expiry, cleared on (un)registration."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, LocalActor | None]] = {}
        # (monotonic deadline, the rule's own expiry on the app clock, outcome)
        self._blocks: dict[tuple[str, str], tuple[float, float | None, str]] = {}
        self._decisions: dict[tuple[str, str, str, str], tuple[float, float | None, str]] = {}

    async def get(self, db, mention: str) -> LocalActor | None:
        now = time.monotonic()
        hit = self._entries.get(mention)
        if hit and hit[0] > now:
            return hit[1]
        actor = await get_actor(db, mention)
        self._entries[mention] = (now + self.ttl, actor)
        return actor

    async def domain_blocked(self, db, settings, scope: str, domain: str, now: float) -> bool:
        key = (scope, domain)
        hit = self._blocks.get(key)
        if hit and _fresh(hit, now):
            return hit[2] == "block"
        decision = await decide_for(db, actor=scope, sender=_DomainOnly("", domain), now=now,
                                    admins=settings.admins)
        self._blocks[key] = (time.monotonic() + BLOCK_CACHE_SECONDS, decision.expires, decision.outcome)
        return decision.outcome == "block"

    async def decision(self, db, settings, actor: str, sender, activity_type: str, now: float) -> str:
        """The moderation outcome for ``sender`` → ``actor``, cached for a few seconds
        (list changes made through the API clear the cache at once)."""
        key = (actor, sender.user.lower(), sender.domain, activity_type)
        hit = self._decisions.get(key)
        if hit and _fresh(hit, now):
            return hit[2]
        decision = await decide_for(db, actor=actor, sender=sender, now=now,
                                    activity_type=activity_type, admins=settings.admins)
        if len(self._decisions) > 50_000:
            self._decisions.clear()
        self._decisions[key] = (time.monotonic() + BLOCK_CACHE_SECONDS, decision.expires, decision.outcome)
        return decision.outcome

    def clear(self) -> None:
        self._entries.clear()
        self._blocks.clear()
        self._decisions.clear()
