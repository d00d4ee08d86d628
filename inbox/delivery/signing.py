"""Signing deliveries at send time, off the event loop.

RSA-2048 signing (~0.3-0.45 ms) is the floor of delivery throughput. ``cryptography``
releases the GIL while it signs, so a small thread pool uses both cores while the loop
keeps sending. Each try is signed afresh, so every retry carries a fresh Date.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from fedicore.httpsig import HttpRequest, sign_request
from fedicore.keys import load_private_key

CONTENT_TYPE = "application/activity+json"


class Signer:
    """Signs POSTs with a local actor's key in a ``threads``-wide pool."""

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fedipress-sign")
        self._keys: dict[str, tuple[str, object]] = {}

    def add_key(self, actor: str, key_id: str, private_pem: str) -> None:
        """Remember an actor's key (parsed once: PEM parsing costs more than a signature)."""
        self._keys[actor] = (key_id, load_private_key(private_pem))

    def has_key(self, actor: str) -> bool:
        return actor in self._keys

    async def headers_for(self, actor: str, url: str, body: bytes, *, scheme: str, now: float) -> dict[str, str]:
        """All headers of one signed delivery POST."""
        key_id, key = self._keys[actor]
        base = {"Content-Type": CONTENT_TYPE}
        request = HttpRequest("POST", url, base, body)
        loop = asyncio.get_running_loop()
        added = await loop.run_in_executor(self._pool, _sign, request, key_id, key, scheme, now)
        return {**base, **added}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _sign(request: HttpRequest, key_id: str, key: object, scheme: str, now: float) -> dict[str, str]:
    return sign_request(request, key_id=key_id, private_key=key, scheme=scheme, now=now)
