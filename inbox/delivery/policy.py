"""Pure delivery decisions: what a response means, when to retry, how a host is doing.

No I/O here. Every function takes plain data and the current time, so the whole retry
schedule, the circuit breaker and the 7-day availability rule can be tested without a
network or waiting days.
"""

from __future__ import annotations

import email.utils
import math
from dataclasses import dataclass, field, replace
from typing import Literal

MAX_ATTEMPTS = 17  # the first try plus Mastodon's 16 retries
JITTER_SECONDS = 30  # Mastodon adds rand(30) * (retry_count + 1)
MAX_RETRY_AFTER = 24 * 3600.0  # a Retry-After beyond one day is clamped
BREAKER_THRESHOLD = 5  # consecutive host failures that open the circuit
BREAKER_BASE = 30.0  # first open period, doubled per further failure
BREAKER_MAX = 3600.0
UNAVAILABLE_DAYS = 7  # distinct days of failure with no success

Outcome = Literal["delivered", "retry", "gone", "rejected", "switch_scheme"]
Scheme = Literal["cavage", "rfc9421"]


def retry_delay(attempts: int, jitter: float) -> float:
    """Seconds to wait after the ``attempts``-th failed try (1-based), Mastodon's curve.

    ``jitter`` is a number in [0, 1) supplied by the caller so the schedule stays pure.
    """
    n = max(attempts - 1, 0)
    return float(n**4 + 15) + math.floor(jitter * JITTER_SECONDS) * (n + 1)


def total_schedule(jitter: float = 0.0) -> float:
    """How long the whole schedule lasts before giving up (for docs and tests)."""
    return sum(retry_delay(a, jitter) for a in range(1, MAX_ATTEMPTS))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from ``now`` a Retry-After header asks for (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        return None
    return min(max(when.timestamp() - now, 0.0), MAX_RETRY_AFTER)


def classify(status: int | None) -> Outcome:
    """What one HTTP answer (None = no answer: timeout, refused, reset) means for the delivery."""
    if status is None:
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    if status == 410:
        return "gone"
    if status in (401, 408, 429):
        return "retry"
    if 400 <= status < 500:
        return "rejected"
    return "retry"


def status_class(status: int | None) -> str:
    """Label for metrics: 2xx, 4xx, 5xx, ... or ``error`` when no answer came."""
    return "error" if status is None else f"{status // 100}xx"


def host_failed_by(status: int | None) -> bool:
    """Whether the answer says the host itself is in trouble (not just one inbox)."""
    return status is None or status >= 500 or status in (408, 429)


@dataclass(frozen=True)
class HostState:
    """What we remember about one remote host (a row of ``delivery_hosts``)."""

    host: str
    signature_scheme: Scheme = "cavage"
    scheme_probed: bool = False
    consecutive_failures: int = 0
    open_until: float = 0.0
    failure_days: tuple[int, ...] = field(default_factory=tuple)
    unavailable: bool = False
    last_success_at: float | None = None
    last_failure_at: float | None = None
    last_error: str | None = None


def host_is_proven(state: HostState | None) -> bool:
    """A host that has answered before and is not failing now. Others (new, failing, dead)
    share a bounded part of the worker's sends, so they can never hold back proven hosts."""
    return state is not None and state.last_success_at is not None and state.consecutive_failures == 0


def day_of(now: float) -> int:
    """The UTC day number of a timestamp."""
    return int(now // 86400)


def host_after_success(state: HostState, now: float) -> HostState:
    """A host that answered: close the circuit, forget its failure days, make it available."""
    return replace(
        state,
        consecutive_failures=0,
        open_until=0.0,
        failure_days=(),
        unavailable=False,
        last_success_at=now,
        last_error=None,
    )


def host_after_failure(
    state: HostState, now: float, *, error: str, retry_after: float | None = None
) -> HostState:
    """Count a host-level failure: maybe open the circuit, maybe mark the host unavailable."""
    failures = state.consecutive_failures + 1
    open_until = state.open_until
    if failures >= BREAKER_THRESHOLD:
        period = min(BREAKER_BASE * 2 ** (failures - BREAKER_THRESHOLD), BREAKER_MAX)
        open_until = max(open_until, now + period)
    if retry_after is not None:
        open_until = max(open_until, now + retry_after)
    days = tuple(sorted(set(state.failure_days) | {day_of(now)}))[-UNAVAILABLE_DAYS:]
    return replace(
        state,
        consecutive_failures=failures,
        open_until=open_until,
        failure_days=days,
        unavailable=state.unavailable or len(days) >= UNAVAILABLE_DAYS,
        last_failure_at=now,
        last_error=error,
    )


def host_seen(state: HostState) -> HostState:
    """The host sent us something: it is alive, so deliver to it again."""
    return replace(state, unavailable=False, failure_days=(), open_until=0.0, consecutive_failures=0)


def host_is_open(state: HostState | None, now: float) -> bool:
    """True when we may send to the host now (circuit closed or its open period over)."""
    return state is None or (not state.unavailable and state.open_until <= now)


def host_slots(state: HostState | None, per_host: int) -> int:
    """Concurrent sends allowed to a host: one while it is recovering (half-open)."""
    if state is not None and state.consecutive_failures > 0:
        return 1
    return per_host


def on_unauthorized(state: HostState, used: Scheme) -> tuple[HostState, bool]:
    """After a 401: a host that refused cavage gets RFC 9421 once, and we remember it.

    Returns the new host state and whether to resend at once with the other scheme.
    A 401 to RFC 9421 falls back to cavage for good (no flip-flopping on a broken peer).
    """
    if used == "cavage" and not state.scheme_probed:
        return replace(state, signature_scheme="rfc9421", scheme_probed=True), True
    if used == "rfc9421":
        return replace(state, signature_scheme="cavage", scheme_probed=True), False
    return state, False


@dataclass(frozen=True)
class Decision:
    """What to do with a delivery row after one try."""

    state: Literal["pending", "delivered", "failed"]
    next_attempt_at: float | None = None
    remove_follower: bool = False
    reason: str = ""


def decide(
    *,
    status: int | None,
    attempts: int,
    now: float,
    jitter: float,
    retry_after: float | None = None,
    resend_now: bool = False,
    error: str = "",
    permanent: bool = False,
) -> Decision:
    """The next state of a delivery whose ``attempts``-th try got ``status``."""
    if permanent:
        return Decision("failed", reason=error or "permanent failure")
    outcome = classify(status)
    if outcome == "delivered":
        return Decision("delivered", reason=str(status))
    if outcome == "gone":
        return Decision("failed", remove_follower=True, reason="410 gone")
    if outcome == "rejected":
        return Decision("failed", reason=f"{status} rejected")
    if resend_now:
        return Decision("pending", next_attempt_at=now, reason="401: trying the other signature scheme")
    reason = error or (f"HTTP {status}" if status is not None else "no answer")
    if attempts >= MAX_ATTEMPTS:
        return Decision("failed", reason=f"gave up after {attempts} tries: {reason}")
    wait = retry_delay(attempts, jitter)
    if retry_after is not None:
        wait = max(retry_after, 1.0)
    return Decision("pending", next_attempt_at=now + wait, reason=reason)
