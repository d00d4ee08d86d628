"""When did a remote server last deliver to the blog, or read what the inbox serves for it?

Recorded per (blog, host, kind) with a one-minute resolution: the first sighting in a minute
writes one row, the rest only count in memory and are added with the next write. So a busy
host costs one small upsert a minute, and nothing on the hot path waits for more.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from inbox.storage import doctor as store
from inbox.storage.db import Database

RESOLUTION = 60.0
MAX_KEYS = 50_000
#: Mastodon, Misskey, GoToSocial and Pleroma name their own address in the User-Agent.
_AGENT_HOST = re.compile(r"\+?https?://([A-Za-z0-9.-]+(?::[0-9]{1,5})?)")
_KEY_ID = re.compile(r'keyId="([^"]+)"')


def host_of_request(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(host, what said so) of a GET: the Signature's keyId, else the User-Agent's own URL.
    What the request *says*: the doctor reports it as a claim."""
    signature = headers.get("signature") or ""
    found = _KEY_ID.search(signature)
    if found:
        host = urlsplit(found.group(1)).netloc.lower()
        if host:
            return host, f"keyId {found.group(1)}"[:300]
    agent = headers.get("user-agent") or ""
    found = _AGENT_HOST.search(agent)
    if found:
        return found.group(1).lower(), f"User-Agent {agent}"[:300]
    return None, None


class Sightings:
    """``await saw(actor, host, kind, detail)``; writes at most once a minute per key."""

    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock
        self._written: dict[tuple[str, str, str], float] = {}
        self._unwritten: dict[tuple[str, str, str], int] = {}

    async def saw(self, actor: str, host: str, kind: str, detail: str | None = None, *,
                  worth_a_row: Callable[[], Awaitable[bool]] | None = None) -> None:
        """``worth_a_row``: asked (at most once a minute per key) before a first write, when the
        host is only what the request claims, so made-up names cost no row."""
        key = (actor, host.lower(), kind)
        now = self.clock()
        if now - self._written.get(key, float("-inf")) < RESOLUTION:
            self._unwritten[key] = self._unwritten.get(key, 0) + 1
            return
        if len(self._written) > MAX_KEYS:
            self._written.clear()
            self._unwritten.clear()
        self._written[key] = now
        if worth_a_row is not None and not await worth_a_row():
            self._unwritten.pop(key, None)
            return
        times = 1 + self._unwritten.pop(key, 0)
        await store.record_sighting(self.db, actor=actor, host=key[1], kind=kind, detail=detail,
                                    times=times, now=now)
