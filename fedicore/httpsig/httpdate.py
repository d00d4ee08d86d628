"""HTTP dates (RFC 9110 5.6.7): write IMF-fixdate, read it fast, and read the obsolete forms."""

from __future__ import annotations

import calendar
import email.utils

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_DAYS = frozenset(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))


def format_http_date(timestamp: float) -> str:
    """IMF-fixdate in GMT, e.g. ``Sun, 06 Nov 1994 08:49:37 GMT``."""
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch, or None when ``value`` is not an HTTP date."""
    value = value.strip()
    if not value.isascii():
        return None
    # Fast path: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters, fixed layout).
    if len(value) == 29 and value[3:5] == ", " and value.endswith(" GMT"):
        try:
            if value[:3] not in _DAYS or value[7] != " " or value[11] != " " or value[16] != " ":
                raise ValueError
            day, month, year = int(value[5:7]), _MONTHS[value[8:11]], int(value[12:16])
            hh, mm, ss = value[17:19], value[20:22], value[23:25]
            if value[19] != ":" or value[22] != ":" or not (value[5:7] + value[12:16] + hh + mm + ss).isdigit():
                raise ValueError
            h, m, s = int(hh), int(mm), int(ss)
            if not (1 <= day <= 31 and h < 24 and m < 60 and s < 61):
                raise ValueError
            return float(calendar.timegm((year, month, day, h, m, s, 0, 0, 0)))
        except (ValueError, KeyError):
            return None
    try:
        parsed = email.utils.parsedate_tz(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed[9] is None:
        return None
    try:
        return float(email.utils.mktime_tz(parsed))
    except (OverflowError, ValueError):
        return None
