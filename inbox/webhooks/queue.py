"""``fire``: the one call the inbox core makes when something happened. It only enqueues.

A hook that is not set costs one indexed lookup; a set one costs one INSERT. Nothing here
touches the network and nothing here raises: a broken webhook must never fail, or slow, the
inbox request that caused it.
"""

from __future__ import annotations

import json
import logging
import uuid
import weakref
from typing import Any, Protocol

from inbox.storage import webhooks as store
from inbox.storage.db import Database
from inbox.webhooks.envelope import EVENTS, make_envelope

log = logging.getLogger("fedipress.webhooks")


class _Wakeable(Protocol):
    def wake(self) -> None: ...


# Workers running on a database, woken by ``fire`` so a call leaves at once, not next poll.
_WORKERS: "weakref.WeakSet[Any]" = weakref.WeakSet()


def register_worker(worker: _Wakeable) -> None:
    _WORKERS.add(worker)


def unregister_worker(worker: _Wakeable) -> None:
    _WORKERS.discard(worker)


async def fire(db: Database, *, actor: str, event: str, activity: dict, now: float) -> None:
    """Queue the ``event`` hook of local ``actor`` (``@user@domain``) if one is set."""
    try:
        await enqueue_event(db, actor=actor, event=event, activity=activity, now=now)
    except Exception:  # noqa: BLE001 - the inbox request must not fail because of a hook
        log.exception("could not queue webhook", extra={"actor": actor, "event": event})


async def enqueue_event(db: Database, *, actor: str, event: str, activity: dict,
                        now: float) -> str | None:
    """The delivery id of the queued call, or None when the actor set no hook for ``event``."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if not await store.hook_exists(db, actor, event):
        return None
    delivery_id = uuid.uuid4().hex
    envelope = make_envelope(event=event, actor=actor, activity=activity,
                             delivery_id=delivery_id, now=now)
    await store.add_call(db, delivery_id=delivery_id, actor_mention=actor, name=event,
                         envelope=json.dumps(envelope, separators=(",", ":"), ensure_ascii=False),
                         now=now)
    for worker in list(_WORKERS):
        if getattr(worker, "db", None) is db or getattr(worker, "db_path", None) == db.path:
            worker.wake()
    return delivery_id
