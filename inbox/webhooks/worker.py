"""``WebhookWorker``: sends queued webhook calls, retrying with the delivery schedule.

Each try is decided by ``inbox.delivery.policy.decide`` (2xx done, 410/4xx given up, 5xx,
429 and no answer retried on Mastodon's curve, Retry-After honoured), so webhooks and
deliveries back off the same way. Targets on private, loopback or reserved addresses are
refused, literal or resolved, unless ``settings.allow_private_fetch``: a hook URL is chosen by
a user, and must not become a way into the operator's network. Delivered and failed calls
(envelopes included) are pruned hourly once ``keep_finished_days`` old, as deliveries are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from fedicore.netguard import forbidden_address_reason, forbidden_host_reason
from inbox.delivery import policy
from inbox.storage import webhooks as store
from inbox.storage.db import Database
from inbox.webhooks.envelope import OutgoingCall, build_call
from inbox.webhooks.queue import register_worker, unregister_worker

log = logging.getLogger("fedipress.webhooks")
USER_AGENT = "Fedipress-Webhooks"
PRUNE_EVERY = 3600.0  # real seconds between prunes of finished calls


class PrivateAddress(OSError):
    """The hook's host resolved to an address the inbox must not call."""


class _GuardedResolver(AbstractResolver):
    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        for entry in found:
            reason = forbidden_address_reason(entry["host"])
            if reason:
                raise PrivateAddress(f"{host} resolves to {entry['host']}: {reason}")
        return found

    async def close(self) -> None:
        await self._inner.close()


def refused_target(url: str, *, allow_private: bool) -> str | None:
    """Why a hook URL's literal host may never be called (checked before any DNS)."""
    if allow_private:
        return None
    host = urlsplit(url).hostname or ""
    reason = forbidden_host_reason(host)
    return f"private address refused: {reason}" if reason else None


class WebhookWorker:
    """``await run()`` until ``await stop()``; ``run_once()`` makes one pass (for tests)."""

    def __init__(self, db: Database, settings: Any, *, clock: Callable[[], float] = time.time,
                 poll_interval: float = 1.0, timeout: float = 10.0, lease: float = 60.0,
                 keep_finished_days: float = 30.0, rng: random.Random | None = None) -> None:
        self.db = db
        self.db_path = db.path
        self._allow_private = bool(getattr(settings, "allow_private_fetch", False))
        self._clock = clock
        self._poll = poll_interval
        self._timeout = timeout
        self._lease = lease
        self._keep_finished = keep_finished_days * 86400  # delivered/failed calls, as deliveries
        self._rng = rng or random.Random()
        self._owner = f"hooks-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._session: aiohttp.ClientSession | None = None

    def wake(self) -> None:
        self._wake.set()

    async def _start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=32, resolver=None if self._allow_private else _GuardedResolver())
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=self._timeout, connect=min(self._timeout, 5)))
        register_worker(self)

    async def run(self) -> None:
        await self._start()
        last_prune = -PRUNE_EVERY  # the first pass prunes
        try:
            while not self._stopping:
                real = time.monotonic()
                if real - last_prune >= PRUNE_EVERY:
                    try:
                        await store.prune_finished(self.db, self._clock() - self._keep_finished)
                        last_prune = real
                    except Exception:  # noqa: BLE001 - a locked database is tried again next pass
                        log.exception("pruning finished webhook calls failed")
                try:
                    done = await self.run_once()
                except Exception:  # noqa: BLE001 - keep the worker alive; the row stays leased
                    log.exception("webhook pass failed")
                    done = 0
                if done:
                    continue
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
        finally:
            await self._close()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _close(self) -> None:
        unregister_worker(self)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def run_once(self, limit: int = 32) -> int:
        """Claim due calls, send them concurrently, record each outcome. Returns how many."""
        await self._start()
        calls = await store.claim_due(self.db, owner=self._owner, now=self._clock(),
                                      lease=self._lease, limit=limit)
        if calls:
            await asyncio.gather(*(self._one(call) for call in calls))
        return len(calls)

    async def _one(self, call: store.Call) -> None:
        attempts = call.attempts + 1
        hook = await store.get_hook(self.db, call.actor_mention, call.name)
        if hook is None:
            await self._record(call, "failed", attempts, None, None, "hook removed")
            return
        refused = refused_target(hook.url, allow_private=self._allow_private)
        if refused:
            await self._record(call, "failed", attempts, None, None, refused)
            return
        request = build_call(envelope=json.loads(call.envelope), url=hook.url,
                             method=hook.method, headers=hook.headers, secret=hook.secret,
                             fmt=hook.format)
        status, retry_after, error = await self._send(request)
        if error and error.startswith("private address refused"):
            await self._record(call, "failed", attempts, None, None, error)
            return
        now = self._clock()
        decision = policy.decide(status=status, attempts=attempts, now=now,
                                 jitter=self._rng.random(),
                                 retry_after=policy.parse_retry_after(retry_after, now),
                                 error=error or "")
        await self._record(call, decision.state, attempts, decision.next_attempt_at, status,
                           None if decision.state == "delivered" else decision.reason)

    async def _send(self, request: OutgoingCall) -> tuple[int | None, str | None, str | None]:
        assert self._session is not None
        try:
            async with self._session.request(request.method, request.url, data=request.body,
                                             headers=request.headers,
                                             allow_redirects=False) as response:
                await response.content.read(65536)
                return response.status, response.headers.get("Retry-After"), None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, PrivateAddress):
                return None, None, f"private address refused: {exc.os_error}"
            return None, None, f"connect: {exc.os_error.strerror or exc}"[:300]
        except asyncio.TimeoutError:
            return None, None, "timeout"
        except PrivateAddress as exc:
            return None, None, f"private address refused: {exc}"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return None, None, f"{type(exc).__name__}: {exc}"[:300]

    async def _record(self, call: store.Call, state: str, attempts: int,
                      next_at: float | None, status: int | None, error: str | None) -> None:
        if state != "delivered":
            log.info("webhook call not delivered", extra={
                "hook": call.name, "actor": call.actor_mention, "state": state, "error": error})
        await store.record_outcome(self.db, call.delivery_id, owner=self._owner, state=state,
                                   attempts=attempts, next_attempt_at=next_at, status=status,
                                   error=error, now=self._clock())
