"""The background side of moderation: refresh subscribed blocklists when due, and when an
expiring entry runs out, restore what its block had hidden. Decisions never wait for this:
``decide`` judges expiry with ``now`` itself; this only catches up the stored effects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

from inbox.moderation.blocklist_fetch import refresh_due
from inbox.moderation.effects import reconcile, send_rejects
from inbox.delivery.leases import new_worker_id
from inbox.storage import moderation as store
from inbox.storage.shared_work import drop_named_lease, take_named_lease
from inbox.storage.db import Database

log = logging.getLogger("inbox.moderation")
TICK_SECONDS = 60.0


async def catch_up_expiry(db: Database, *, since: float, now: float,
                          admins: Iterable[str] = ()) -> int:
    """If any entry expired in (since, now], reconcile every actor; returns items restored."""
    if not await store.expired_between(db, since, now):
        return 0
    async with db.transaction():
        effects = await reconcile(db, actors=None, now=now, admins=admins)
        if not any(effects.counts().values()):
            return 0  # e.g. the first tick after a start, with nothing left to restore
        await store.add_audit(db, scope=store.GLOBAL, who="scheduler", action="expire",
                              target="*", now=now, detail=effects.counts())
    await send_rejects(db, effects, now=now)
    return effects.items_restored


class ModerationScheduler:
    """``await run()`` until ``await stop()``; one tick a minute (``tick()`` for tests)."""

    def __init__(self, db: Database, *, allow_private: bool, admins: Iterable[str] = (),
                 clock: Callable[[], float] = time.time, interval: float = TICK_SECONDS) -> None:
        self.db = db
        self.allow_private = allow_private
        self.admins = list(admins)
        self.clock = clock
        self.interval = interval
        # The first tick looks back to the beginning: an entry that expired while no worker
        # ran still gets its hidden items restored (reconciling is idempotent).
        self._last = 0.0
        self._stopping = asyncio.Event()
        self.owner = new_worker_id()

    async def tick(self) -> None:
        now = self.clock()
        # Any number of workers run this scheduler; one of them at a time does the tick.
        if not await take_named_lease(self.db, "moderation", owner=self.owner, now=now,
                                      until=now + 2 * self.interval):
            return
        await refresh_due(self.db, now=now, allow_private=self.allow_private)
        await catch_up_expiry(self.db, since=self._last, now=now, admins=self.admins)
        self._last = now

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:  # keep the loop alive; the next tick retries
                log.exception("moderation tick failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(Exception):
            await drop_named_lease(self.db, "moderation", owner=self.owner)
