"""Per-address token buckets for the inboxes: a flood from one address gets 429 + Retry-After
before any signature or JSON work. ``app.state.rate_limiter`` can be tuned by the operator."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class RateLimiter:
    """``rate`` requests per second per address, bursts up to ``burst``."""

    def __init__(self, rate: float = 5000.0, burst: float = 10000.0,
                 monotonic: Callable[[], float] = time.monotonic, max_addresses: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._max_addresses = max_addresses
        self._buckets: dict[str, tuple[float, float]] = {}

    def retry_after(self, address: str) -> int | None:
        """None if the request may go on (one token taken), else seconds to wait."""
        now = self._monotonic()
        tokens, last = self._buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
        if len(self._buckets) >= self._max_addresses and address not in self._buckets:
            self._buckets.clear()  # bounded memory; a reset only ever lets requests through
        self._buckets[address] = (tokens - 1, now)
        return None
