"""Durable fan-out delivery: a queue in SQLite, a worker with leases, Mastodon-like retries.

Public surface (docs/CONTRACTS.md): ``enqueue``, ``DeliveryWorker``; also
``follower_inboxes``, ``publish``, ``backfill_new_follower``, ``mark_host_seen``.
"""

from __future__ import annotations

from inbox.delivery.queue import (
    audience,
    backfill_new_follower,
    enqueue,
    follower_inboxes,
    mark_host_seen,
    publish,
)
from inbox.delivery.worker import DeliveryConfig, DeliveryWorker

__all__ = [
    "DeliveryConfig",
    "DeliveryWorker",
    "audience",
    "backfill_new_follower",
    "enqueue",
    "follower_inboxes",
    "mark_host_seen",
    "publish",
]
