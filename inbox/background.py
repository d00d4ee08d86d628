"""The inbox's background work, in one place: deliveries, webhook calls and moderation upkeep
(blocklist subscriptions, expiry catch-up).

``serve`` runs it inside the app (``run_worker = true``); ``fedipress inbox worker`` runs the very
same set in a process of its own, so the two never disagree about what "the worker" does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from inbox.settings import Settings
from inbox.storage.db import Database

log = logging.getLogger("inbox.background")


class Worker(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None: ...


def background_workers(db: Database, settings: Settings, *,
                       clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """Every background worker by name (not started): ``delivery``, ``webhooks``, ``moderation``,
    and ``announcements`` when the announcements actor is on."""
    from inbox.announcements import Announcer
    from inbox.delivery import DeliveryWorker
    from inbox.moderation.scheduler import ModerationScheduler
    from inbox.webhooks import WebhookWorker

    workers: dict[str, Any] = {
        "delivery": DeliveryWorker(db, settings, clock=clock),
        "webhooks": WebhookWorker(db, settings, clock=clock),
        "moderation": ModerationScheduler(db, allow_private=settings.allow_private_fetch,
                                          admins=settings.admins, clock=clock),
    }
    if settings.announcements:  # approved announcements the hourly limit made wait
        workers["announcements"] = Announcer(db, settings, clock=clock)
    return workers


class Background:
    """Runs a set of workers as tasks; ``stop()`` asks each to stop, then waits (bounded)."""

    def __init__(self, workers: dict[str, Any]) -> None:
        self.workers = workers
        self._tasks: list[tuple[Any, asyncio.Task[None]]] = []

    def start(self) -> None:
        for name, worker in self.workers.items():
            self._tasks.append((worker, asyncio.create_task(worker.run(), name=f"{name}-worker")))

    async def wait(self) -> None:
        """Until every worker has returned (after ``stop()``)."""
        await asyncio.gather(*(task for _, task in self._tasks), return_exceptions=True)

    async def stop(self, timeout: float = 10.0) -> None:
        for worker, _ in self._tasks:
            with contextlib.suppress(Exception):
                await worker.stop()
        for _, task in self._tasks:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout)
