"""Which received activities this node applies, when several nodes share one database.

Each node claims a batch before applying it (``shared_work.claim_activities``), renews its
claims while it works, and frees the claims of a node on this machine whose process is gone
(``kill -9``) at once; a node lost with its machine is taken over when its claims expire
(``lease_seconds``). One node on one database claims everything it sees, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from inbox.delivery.leases import new_worker_id, owner_is_dead
from inbox.storage import shared_work
from inbox.storage.activities import StoredActivity
from inbox.storage.db import Database

log = logging.getLogger("inbox.processor")
DEAD_CHECK_SECONDS = 5.0


class ActivityClaims:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time,
                 lease_seconds: float = 120.0, owner: str | None = None,
                 wake: Callable[[], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.owner = owner or new_worker_id()
        self._renewer: asyncio.Task[None] | None = None
        self._next_dead_check = 0.0
        self._wake = wake

    async def next_batch(self, limit: int) -> list[StoredActivity]:
        """Claim (and return) up to ``limit`` activities for this node, oldest first."""
        if self._renewer is None:
            self._renewer = asyncio.create_task(self._renew_forever(), name="inbox-claim-renewer")
        if time.monotonic() >= self._next_dead_check:
            self._next_dead_check = time.monotonic() + DEAD_CHECK_SECONDS
            await self._free_dead_owners()
        now = self.clock()
        return await shared_work.claim_activities(self.db, owner=self.owner, now=now,
                                                  until=now + self.lease_seconds, limit=limit)

    async def _free_dead_owners(self) -> None:
        for owner in await shared_work.activity_claim_owners(self.db, self.clock()):
            if owner != self.owner and owner_is_dead(owner):
                freed = await shared_work.release_activity_claims(self.db, owner)
                log.info("freed activities claimed by a dead node",
                         extra={"owner": owner, "freed": freed})

    async def _renew_forever(self) -> None:
        """Renew our claims, and every few seconds wake the processor: work another node
        stored, or left behind when it died, is seen without waiting for our next arrival."""
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(DEAD_CHECK_SECONDS)
            if self._wake is not None:
                self._wake()
            if time.monotonic() - renewed < self.lease_seconds / 3:
                continue
            renewed = time.monotonic()
            try:
                await shared_work.renew_activity_claims(
                    self.db, self.owner, until=self.clock() + self.lease_seconds)
            except Exception:  # noqa: BLE001 - a locked database: the next round renews
                log.exception("renewing activity claims failed")

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._renewer
            self._renewer = None
        with contextlib.suppress(Exception):
            await shared_work.release_activity_claims(self.db, self.owner)
