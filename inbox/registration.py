"""Who may register an actor on this inbox: nobody, by default, but admins.

An opening is ``@user@host`` (that one name), ``host`` or ``host:port`` (every name there), or
``*`` (anyone: the old, open behaviour). Openings come from the ``open_registration`` setting,
the operator's ``fedipress inbox registration open NAME`` and an admin's signed
``POST /v1/registrations``. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fedicore.handles import Handle

_HOST = re.compile(r"^[a-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$")


def opening_of(text: str) -> str | ValueError:
    """The canonical form of an opening, or why it is not one."""
    value = text.strip().lower()
    if value == "*":
        return value
    if value.startswith("@") or value.count("@") == 1:
        try:
            return str(Handle.parse(value if value.startswith("@") else "@" + value))
        except ValueError as exc:
            return ValueError(f"not a name: {exc}")
    if _HOST.match(value.rstrip(".")):
        return value.rstrip(".")
    return ValueError(f"not a name (@user@host) or a domain (host[:port]): {text!r}")


def is_open(openings: Iterable[str], mention: str) -> bool:
    """May ``mention`` (canonical ``@user@host``) register under these openings?"""
    wanted = {"*", mention.lower(), mention.rpartition("@")[2].lower()}
    for entry in openings:
        opening = opening_of(entry)
        if isinstance(opening, str) and opening in wanted:
            return True
    return False
