"""Prometheus metrics of the inbox, on the default registry (delivery and moderation add theirs).

Queue depths live in the database, and prometheus collection is synchronous, so /metrics
first awaits every registered depth hook (``add_depth_hook``) and sets the gauge from it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest

REQUESTS = Counter("fedipress_inbox_requests_total", "HTTP requests by route, method and status",
                   ["route", "method", "status"])
SIGNATURE_FAILURES = Counter("fedipress_inbox_signature_failures_total",
                             "Refused inbox deliveries by reason (signature codes, blocked, json ...)",
                             ["reason"])
PROOFS_CHECKED = Counter("fedipress_inbox_object_proofs_total",
                         "Object integrity proofs (FEP-8b32) on stored deliveries, by result",
                         ["result"])
ACTIVITIES = Counter("fedipress_inbox_activities_total", "Accepted deliveries by type and freshness",
                     ["type", "result"])
QUEUE_DEPTH = Gauge("fedipress_inbox_queue_depth", "Items waiting, by queue", ["queue"])

DepthHook = Callable[[], Awaitable[int]]


class LabelCache:
    """The children of a labelled counter, looked up once per label set: ``labels()`` takes a
    lock and builds a key on every call, which the inbox's hot path would pay per request."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self._children: dict[tuple[str, ...], Counter] = {}

    def inc(self, *values: str) -> None:
        child = self._children.get(values)
        if child is None:
            if len(self._children) > 10_000:  # label values come from a small, fixed set
                self._children.clear()
            child = self._children[values] = self.counter.labels(*values)
        child.inc()


REQUESTS_BY = LabelCache(REQUESTS)  # (route, method, status)
ACTIVITIES_BY = LabelCache(ACTIVITIES)  # (type, result)
PROOFS_BY = LabelCache(PROOFS_CHECKED)  # (result,)


class DepthHooks:
    """Named async callables giving a queue's current depth, refreshed on every scrape."""

    def __init__(self) -> None:
        self._hooks: dict[str, DepthHook] = {}

    def add_depth_hook(self, queue: str, hook: DepthHook) -> None:
        self._hooks[queue] = hook

    async def refresh(self) -> None:
        for name, hook in self._hooks.items():
            try:
                QUEUE_DEPTH.labels(queue=name).set(await hook())
            except Exception:  # a scrape must not fail because one hook did
                continue


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
