"""Prometheus metrics of delivery, on the default registry the inbox's /metrics serves."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

QUEUE_DEPTH = Gauge("fedipress_delivery_queue_depth", "Deliveries waiting to be sent (pending)")
IN_FLIGHT = Gauge("fedipress_delivery_in_flight", "Deliveries being sent right now")
ATTEMPTS = Counter(
    "fedipress_delivery_attempts_total",
    "Delivery tries by outcome (delivered/retry/gone/rejected) and status class (2xx/4xx/5xx/error)",
    ["outcome", "status_class"],
)
LATENCY = Histogram(
    "fedipress_delivery_latency_seconds",
    "Time of one delivery POST, signing included",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
