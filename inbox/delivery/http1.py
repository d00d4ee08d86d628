"""A small HTTP/1.1 client for delivery POSTs: kept-alive connections per origin, one write
per request, responses parsed by llhttp (``httptools``), bodies counted and dropped.

Why not aiohttp here: a delivery needs none of a general client's features (cookies,
redirects, decompression, streaming, auth helpers), and aiohttp's per-request machinery
(URL objects, header multidicts, payload objects, a writer task) cost about as much event-loop
CPU as the rest of the worker together. This client does exactly one thing: send prepared
bytes on a reused connection and hand back the status and ``Retry-After``.

Hostile peers: a response head is capped at 64 KiB and a body at 64 KiB (the connection is
dropped beyond, the status still counts), every request has a deadline, and, unless private
addresses are allowed, every resolved address is judged before connecting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import httptools

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024
DEADLINE_TICK = 0.25  # how often request deadlines are checked
IDLE_SECONDS = 30.0  # a kept-alive connection unused this long is closed
DNS_SECONDS = 300.0


class PeerClosed(ConnectionError):
    """The peer closed the connection before the answer was complete."""


class ForbiddenAddress(OSError):
    """The host resolved to an address deliveries must never reach (the SSRF guard)."""


class ResponseTooLarge(ValueError):
    """The answer's head exceeded ``MAX_HEAD``."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str  # as in the URL, brackets stripped
    port: int


class _Exchange(asyncio.Protocol):
    """One TCP (or TLS) connection; carries one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[tuple[int, str | None]] | None = None
        self._status = 0
        self._retry_after: str | None = None
        self._header_name = b""
        self._head_bytes = 0
        self._body_bytes = 0
        self._headers_done = False
        self._got_bytes = False
        self.reusable = False
        self.closed = False
        self.idle_since = 0.0

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self._abort()  # nothing asked: a peer talking out of turn loses the connection
            return
        self._got_bytes = True
        if not self._headers_done:
            self._head_bytes += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail(ValueError("unexpected protocol upgrade"))
            return
        except httptools.HttpParserError as exc:
            self.fail(ValueError(f"bad HTTP response: {exc}"))
            return
        if not self._headers_done and self._head_bytes > MAX_HEAD:
            self.fail(ResponseTooLarge("response head too large"))

    def eof_received(self) -> bool | None:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        if self._waiter is not None and not self._waiter.done():
            if self._headers_done:  # a body delimited by the close: the status stands
                self._waiter.set_result((self._status, self._retry_after))
            else:
                self._waiter.set_exception(PeerClosed(str(exc) if exc else "connection closed by peer"))

    # --- httptools callbacks ------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"retry-after":
            self._retry_after = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > MAX_BODY and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((self._status, self._retry_after))  # the status is all we need
            self._abort()

    def on_message_complete(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self.reusable = self._parser.should_keep_alive() and 100 <= self._status
            self._waiter.set_result((self._status, self._retry_after))

    # --- use ----------------------------------------------------------------------------

    def send(self, data: bytes) -> asyncio.Future[tuple[int, str | None]]:
        """Write one request; the future gives (status, Retry-After) or the failure."""
        self._waiter = self._loop.create_future()
        self._status, self._retry_after = 0, None
        self._head_bytes = self._body_bytes = 0
        self._headers_done = self._got_bytes = False
        self.reusable = False
        self._parser = httptools.HttpResponseParser(self)
        assert self.transport is not None
        self.transport.write(data)
        return self._waiter

    @property
    def answered_nothing(self) -> bool:
        return not self._got_bytes

    def fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self._abort()

    def _abort(self) -> None:
        self.reusable = False
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Client:
    """Kept-alive connections per origin. ``check_address(ip) -> reason | None`` judges every
    resolved address (None: any address is fine)."""

    def __init__(
        self, *, check_address: Callable[[str], str | None] | None = None, connect_timeout: float = 10.0
    ) -> None:
        self._check = check_address
        self._connect_timeout = connect_timeout
        self._idle: dict[Origin, deque[_Exchange]] = {}
        self._dns: dict[tuple[str, int], tuple[float, list[str]]] = {}
        self._tls: ssl.SSLContext | None = None
        self._last_sweep = time.monotonic()
        self._active: dict[_Exchange, float] = {}
        self._ticker: asyncio.TimerHandle | None = None
        self.connections_opened = 0

    async def post(self, origin: Origin, data: bytes, *, timeout: float) -> tuple[int, str | None]:
        """Send ``data`` (a whole request) to ``origin``: (status, Retry-After).

        A kept-alive connection the peer had already closed is retried once on a new one,
        which may repeat a delivery: receivers de-duplicate by activity id.
        """
        deadline = time.monotonic() + timeout
        exchange = self._take_idle(origin)
        if exchange is not None:
            try:
                return await self._exchange(origin, exchange, data, deadline)
            except PeerClosed:
                if not exchange.answered_nothing:
                    raise
        async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
            exchange = await self._connect(origin)
        return await self._exchange(origin, exchange, data, deadline)

    async def _exchange(
        self, origin: Origin, exchange: _Exchange, data: bytes, deadline: float
    ) -> tuple[int, str | None]:
        # One coarse timer for all exchanges instead of a timer per request: deadlines are
        # checked every DEADLINE_TICK seconds, plenty for timeouts of many seconds.
        self._active[exchange] = deadline
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().call_later(DEADLINE_TICK, self._expire)
        try:
            answer = await exchange.send(data)
        except BaseException:
            exchange.close()
            raise
        finally:
            self._active.pop(exchange, None)
        if exchange.reusable and not exchange.closed:
            exchange.idle_since = time.monotonic()
            self._idle.setdefault(origin, deque()).append(exchange)
        else:
            exchange.close()
        return answer

    def _expire(self) -> None:
        now = time.monotonic()
        for exchange, deadline in list(self._active.items()):
            if deadline <= now:
                exchange.fail(TimeoutError("no answer in time"))
        self._ticker = None
        if self._active:
            self._ticker = asyncio.get_running_loop().call_later(DEADLINE_TICK, self._expire)

    def _take_idle(self, origin: Origin) -> _Exchange | None:
        now = time.monotonic()
        if now - self._last_sweep > IDLE_SECONDS:
            self._sweep(now)
        idle = self._idle.get(origin)
        while idle:
            exchange = idle.pop()
            if not exchange.closed and exchange.transport is not None and not exchange.transport.is_closing():
                if now - exchange.idle_since < IDLE_SECONDS:
                    return exchange
            exchange.close()
        return None

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        for origin in list(self._idle):
            keep = deque(e for e in self._idle[origin] if not e.closed and now - e.idle_since < IDLE_SECONDS)
            for exchange in self._idle[origin]:
                if exchange not in keep:
                    exchange.close()
            if keep:
                self._idle[origin] = keep
            else:
                del self._idle[origin]

    async def _addresses(self, origin: Origin) -> list[str]:
        key = (origin.host, origin.port)
        cached = self._dns.get(key)
        now = time.monotonic()
        if cached and now - cached[0] < DNS_SECONDS:
            return cached[1]
        try:  # a literal needs no resolver thread
            addresses = [str(ipaddress.ip_address(origin.host))]
        except ValueError:
            infos = await asyncio.get_running_loop().getaddrinfo(
                origin.host, origin.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise OSError(f"{origin.host} has no address")
        if self._check is not None:
            for address in addresses:
                reason = self._check(address)
                if reason:
                    raise ForbiddenAddress(f"refusing to deliver to {origin.host} ({address}): {reason}")
        if len(self._dns) > 10_000:
            self._dns.clear()
        self._dns[key] = (now, addresses)
        return addresses

    async def _connect(self, origin: Origin) -> _Exchange:
        loop = asyncio.get_running_loop()
        addresses = await self._addresses(origin)
        tls = None
        if origin.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        last: Exception | None = None
        for address in addresses:
            try:
                async with asyncio.timeout(self._connect_timeout):
                    _, exchange = await loop.create_connection(
                        lambda: _Exchange(loop), address, origin.port, ssl=tls,
                        server_hostname=origin.host if tls else None,
                    )
                self.connections_opened += 1
                return exchange
            except OSError as exc:
                last = exc
        assert last is not None
        raise last

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        for idle in self._idle.values():
            for exchange in idle:
                exchange.close()
        self._idle.clear()


__all__ = ["Client", "Origin", "PeerClosed", "ResponseTooLarge"]
