"""Short-lived caches of the inbox's hot path: local actors by mention and moderation answers.

Moderation answers live ``BLOCK_CACHE_SECONDS`` on the app's clock (the one ``create_app`` was
given, so tests move it), decisions never past the expiry of the rule that made them, and
``clear()`` (called by every API that changes actors or lists) drops them all. A change made in
another process (another node, a worker, the CLI) bumps the shared generation counter in the
database; every cache reads it at most every ``GENERATION_CHECK_SECONDS`` and drops everything
when it moved, so a block made on one node is enforced by every node within that (measured in
docs/scaling.md).
"""

from __future__ import annotations

import time

from inbox.moderation import decide_for
from inbox.moderation.service import GLOBAL, domain_refused
from inbox.moderation import author_service
from inbox.storage.actors import LocalActor, all_actors, get_actor
from inbox.storage.shared_work import generation

BLOCK_CACHE_SECONDS = 10.0
GENERATION_CHECK_SECONDS = 0.25
SHARED = ""  # the scope of the shared inbox in ``domain_blocked``


def _fresh(entry: tuple[float, float | None, str], now: float) -> bool:
    """A cached answer holds ``BLOCK_CACHE_SECONDS`` of app-clock time after it was made (a
    clock set back counts as stale), and never past its rule's expiry."""
    deadline, expires, _ = entry
    return deadline - BLOCK_CACHE_SECONDS <= now < deadline and (expires is None or now < expires)


class LocalActorCache:
    """Local actors by mention for the hot path; short expiry, cleared on (un)registration."""

    def __init__(self, ttl: float = 5.0, *, hidden: frozenset[str] = frozenset()) -> None:
        self.ttl = ttl
        # Registered mentions that are not served (the announcements actor while turned off).
        self.hidden = hidden
        self._entries: dict[str, tuple[float, LocalActor | None]] = {}
        self._all: tuple[float, list[LocalActor]] | None = None
        # (deadline on the app clock, the rule's own expiry on the app clock, outcome)
        self._blocks: dict[tuple[str, str], tuple[float, float | None, str]] = {}
        self._decisions: dict[tuple[str, str, str, str], tuple[float, float | None, str]] = {}
        self._generation: int | None = None
        self._next_check = 0.0

    async def _sync(self, db) -> None:
        """Drop everything when another process changed what we cache (read a few times a
        second, one tiny row)."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + GENERATION_CHECK_SECONDS
        seen = await generation(db)
        if self._generation is not None and seen != self._generation:
            self.clear()
            author_service.forget_all(db)
        self._generation = seen

    async def all(self, db) -> list[LocalActor]:
        """Every registered local actor (for the shared inbox), with the same short expiry."""
        await self._sync(db)
        now = time.monotonic()
        if self._all is not None and self._all[0] > now:
            return self._all[1]
        actors = [actor for actor in await all_actors(db) if actor.mention not in self.hidden]
        self._all = (now + self.ttl, actors)
        return actors

    async def get(self, db, mention: str) -> LocalActor | None:
        await self._sync(db)
        now = time.monotonic()
        hit = self._entries.get(mention)
        if hit and hit[0] > now:
            return hit[1]
        actor = None if mention in self.hidden else await get_actor(db, mention)
        self._entries[mention] = (now + self.ttl, actor)
        return actor

    async def domain_blocked(self, db, settings, scope: str, domain: str, now: float) -> bool:
        """May every sender on ``domain`` be refused before a key fetch? (``domain_refused``:
        not when an allow entry that ranks first names one user there.)"""
        await self._sync(db)
        key = (scope, domain)
        hit = self._blocks.get(key)
        if hit and _fresh(hit, now):
            return hit[2] == "block"
        if scope == SHARED:
            # The shared inbox serves every local actor: refuse only what all of them refuse.
            mentions = [actor.mention for actor in await self.all(db)] or [GLOBAL]
            refused = True
            for mention in mentions:
                if not await domain_refused(db, actor=mention, domain=domain, now=now,
                                            admins=settings.admins):
                    refused = False
                    break
        else:
            refused = await domain_refused(db, actor=scope, domain=domain, now=now,
                                           admins=settings.admins)
        if len(self._blocks) > 50_000:
            self._blocks.clear()
        self._blocks[key] = (now + BLOCK_CACHE_SECONDS, None, "block" if refused else "allow")
        return refused

    async def decision(self, db, settings, actor: str, sender, activity_type: str, now: float) -> str:
        """The moderation outcome for ``sender`` → ``actor``, cached for a few seconds
        (list changes made through the API clear the cache at once)."""
        await self._sync(db)
        key = (actor, sender.user.lower(), sender.domain, activity_type)
        hit = self._decisions.get(key)
        if hit and _fresh(hit, now):
            return hit[2]
        decision = await decide_for(db, actor=actor, sender=sender, now=now,
                                    activity_type=activity_type, admins=settings.admins)
        if len(self._decisions) > 50_000:
            self._decisions.clear()
        self._decisions[key] = (now + BLOCK_CACHE_SECONDS, decision.expires, decision.outcome)
        return decision.outcome

    def clear(self) -> None:
        self._entries.clear()
        self._all = None
        self._blocks.clear()
        self._decisions.clear()
