"""Expiry of moderation entries as people write it: ``--for 7d`` / ``1d12h`` / ``90m``, or an
``expires`` time (ISO 8601, or epoch seconds). Pure; ValueError with a reason."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(?:\d+[smhdw])+$")
_PART = re.compile(r"(\d+)([smhdw])")
MAX_SECONDS = 100 * 365 * 86400


def parse_duration(text: str) -> float:
    """``7d``, ``1d12h``, ``30m``, ``2w`` → seconds (> 0)."""
    value = text.strip().lower()
    if not _DURATION.match(value):
        raise ValueError(f"{text!r} is not a duration like 7d, 12h, 30m or 1d12h")
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(value))
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"{text!r} must be more than 0 and at most 100 years")
    return float(seconds)


def parse_expires(text: str) -> float:
    """An absolute time: ISO 8601 (``2026-12-01T00:00:00Z``; no zone = UTC) or epoch seconds."""
    value = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 2026-12-01T00:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def expiry_from(*, for_: str | None, expires: str | None, now: float) -> float | None:
    """The expiry given either a duration from ``now`` or an absolute time (not both)."""
    if for_ and expires:
        raise ValueError("give either a duration ('for') or a time ('expires'), not both")
    if for_:
        return now + parse_duration(for_)
    if expires:
        when = parse_expires(expires)
        if when <= now:
            raise ValueError(f"expires {expires!r} is already in the past")
        return when
    return None


def iso(ts: float | None) -> str | None:
    """Epoch seconds → ``2026-12-01T00:00:00Z`` (None stays None)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
