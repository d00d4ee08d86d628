"""Applies stored activities in arrival order, after the HTTP answer (202) has been given.

The inbox POST only verifies and stores; effects (which may fetch remote documents) run here,
in the background, so a slow remote never holds an inbox request. Rows left unprocessed by a
crash are picked up at the next start.

Answering senders comes first, and processing keeps pace. While deliveries pour in (a burst
after a popular post, a relay), each batch is followed by a pause (``pause_after_batch``) so
that processing takes at most a tenth of the event loop and the rest goes to verifying and
storing what arrives, as long as what waits is less than ``MAX_LAG_SECONDS`` of arrivals; once
it is more, batches follow each other without a pause (the event loop is then shared between
receiving and processing), so a burst is applied about as fast as it is accepted instead of
long after its last delivery. The backlog is durable either way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from inbox.handlers.apply import Effects
from inbox.processing_claims import ActivityClaims
from inbox.storage import activities as activity_store
from inbox.storage.db import Database
from inbox.storage.deliveries import mark_host_seen

log = logging.getLogger("inbox.processor")
RETENTION_SECONDS = 14 * 86400  # how long a processed id still dedupes a redelivery
PRUNE_EVERY_SECONDS = 3600
BATCH = 400
# Above this many new deliveries a second the inbox counts as busy (one blog's usual traffic
# is far below it; a burst of replies or a relay is above).
BUSY_ARRIVALS_PER_SECOND = 200.0
SHARE_WHEN_BUSY = 0.1  # at most this share of the event loop goes to processing when busy
MAX_PAUSE_SECONDS = 1.0  # processing always moves: one batch at least every second or so
# Processing yields to receiving only while less than this many seconds of arrivals wait.
MAX_LAG_SECONDS = 1.0


def pause_after_batch(spent: float, arrivals_per_second: float, waiting: int = 0) -> float:
    """Seconds to wait after a batch that took ``spent`` seconds, ``waiting`` activities left:
    none when the inbox is quiet, or when more than ``MAX_LAG_SECONDS`` of arrivals wait; else,
    when busy, enough that processing keeps to ``SHARE_WHEN_BUSY`` of the time."""
    if arrivals_per_second < BUSY_ARRIVALS_PER_SECOND or spent <= 0:
        return 0.0
    if waiting > arrivals_per_second * MAX_LAG_SECONDS:
        return 0.0
    return min(MAX_PAUSE_SECONDS, spent * (1 - SHARE_WHEN_BUSY) / SHARE_WHEN_BUSY)


#: The longest one activity may take to apply (a thread walk is at most 3 bounded fetches). One
#: that never finishes must not stall the processor: it is recorded as an error and logged.
ACTIVITY_DEADLINE_SECONDS = 45.0


class ActivityProcessor:
    def __init__(self, db: Database, effects: Effects, *, clock: Callable[[], float] = time.time,
                 concurrency: int = 32, deadline: float = ACTIVITY_DEADLINE_SECONDS,
                 lease_seconds: float = 120.0) -> None:
        self.db = db
        # Several nodes on one database: each applies only the activities it claimed.
        self.claims = ActivityClaims(db, clock=clock, lease_seconds=lease_seconds, wake=self._wake_up)
        self.effects = effects
        self.clock = clock
        self.concurrency = concurrency
        self.deadline = deadline
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruner: asyncio.Task[None] | None = None
        self.arrivals = 0  # new deliveries stored since start (``wake`` counts them)
        self.paused_seconds = 0.0  # time spent yielding to the receiving side

    def start(self) -> None:
        self._wakeup.set()
        self._task = asyncio.create_task(self._run(), name="inbox-processor")
        self._pruner = asyncio.create_task(self._prune_forever(), name="inbox-pruner")

    def _wake_up(self) -> None:
        self._wakeup.set()

    def wake(self) -> None:
        """A new activity was stored."""
        self.arrivals += 1
        self._wakeup.set()

    async def stop(self) -> None:
        for task in (self._task, self._pruner):
            if task is None:
                continue
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        await self.claims.close()

    async def waiting(self, arrivals_per_second: float) -> int:
        """Unprocessed activities, counted up to one more than ``MAX_LAG_SECONDS`` of arrivals
        (all that ``pause_after_batch`` needs to know)."""
        return await activity_store.count_unprocessed(
            self.db, up_to=int(arrivals_per_second * MAX_LAG_SECONDS) + 1)

    async def prune(self) -> int:
        return await activity_store.prune_processed(self.db, older_than=self.clock() - RETENTION_SECONDS)

    async def _prune_forever(self) -> None:
        while True:
            try:
                removed = await self.prune()
                if removed:
                    log.info("pruned processed activities", extra={"removed": removed})
            except Exception:
                log.exception("pruning failed")
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                if _being_cancelled():
                    raise
                log.exception("processing pass raised a stray cancellation")
                await asyncio.sleep(1)
                self._wakeup.set()
            except Exception:  # never let one bad pass stop processing
                log.exception("processing pass failed")
                await asyncio.sleep(1)
                self._wakeup.set()

    async def run_once(self) -> int:
        """Process everything unprocessed now; returns how many activities were handled."""
        handled = 0
        seen = (time.monotonic(), self.arrivals)  # when arrivals were last counted, and how many
        while True:
            started = time.monotonic()
            batch = await self.claims.next_batch(BATCH)
            if not batch:
                break
            await self.effects.read_hooks()
            # Same author in order (a Follow before its Undo); different authors side by side.
            by_author: dict[str, list[activity_store.StoredActivity]] = {}
            for stored in batch:
                by_author.setdefault(stored.actor, []).append(stored)
            gate = asyncio.Semaphore(self.concurrency)

            done: list[tuple[str, str, str]] = []

            async def one_author(rows: list[activity_store.StoredActivity]) -> None:
                async with gate:
                    for stored in rows:
                        done.append((stored.actor, stored.id, await self._process(stored)))

            await asyncio.gather(*(one_author(rows) for rows in by_author.values()))
            await activity_store.mark_all_processed(self.db, done, now=self.clock())
            # A host that sends us verified activities is alive: deliver to it again.
            for host in {urlsplit(stored.actor).netloc.lower() for stored in batch}:
                await mark_host_seen(self.db, host)
            handled += len(batch)
            now = time.monotonic()
            rate = (self.arrivals - seen[1]) / max(now - seen[0], 1e-3)
            seen = (now, self.arrivals)
            pause = pause_after_batch(now - started, rate)
            if pause:  # busy: unless processing has fallen behind
                pause = pause_after_batch(now - started, rate, await self.waiting(rate))
            if pause:
                self.paused_seconds += pause
                await asyncio.sleep(pause)
        return handled

    async def _process(self, stored: activity_store.StoredActivity) -> str:
        """Apply one activity; its outcome is recorded with the rest of the batch."""
        try:
            outcome = await asyncio.wait_for(self.effects.process(stored, now=self.clock()),
                                             self.deadline)
        except TimeoutError:
            log.error("activity took longer than the deadline; recorded as failed",
                      extra={"activity_id": stored.id, "type": stored.type, "deadline": self.deadline})
            outcome = "error: timeout"
        except asyncio.CancelledError:
            if _being_cancelled():
                raise  # the processor is stopping
            # Nobody cancelled us: a library leaked its own cancellation. Left to propagate it
            # would end the processor's task and stall every activity after this one.
            log.error("activity raised a stray cancellation; recorded as failed",
                      extra={"activity_id": stored.id, "type": stored.type})
            outcome = "error: cancelled"
        except Exception as exc:
            log.exception("activity failed", extra={"activity_id": stored.id})
            outcome = f"error: {type(exc).__name__}"
        if log.isEnabledFor(logging.DEBUG):
            log.debug("activity processed", extra={"activity_id": stored.id, "type": stored.type,
                                                   "outcome": outcome})
        return outcome


def _being_cancelled() -> bool:
    """Is the running task being cancelled (``stop()``), rather than handed someone else's
    CancelledError?"""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
