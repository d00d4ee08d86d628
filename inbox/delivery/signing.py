"""Signing deliveries at send time, off the event loop, in batches.

RSA-2048 signing (~0.3-0.45 ms) is the floor of delivery throughput. ``cryptography``
releases the GIL while it signs, so a small thread pool uses both cores while the loop
keeps sending. Each try is signed afresh, so every retry carries a fresh Date.

What is not the RSA operation is kept small, because every Python step in the signing
threads competes with the event loop for the GIL:

- a job's body is the same for every inbox, so its ``Digest`` is computed once per job
  (``Payload``); only ``(request-target)``, ``host`` and ``date`` differ per delivery;
- the draft-cavage signing string is built directly (the same text
  ``fedicore.httpsig.sign_request`` produces; PKCS#1 v1.5 is deterministic, so the tests
  compare signatures byte for byte); RFC 9421 goes through ``fedicore``;
- requests wait a loop turn and go to the pool in chunks, so one thread hop and one
  loop wake-up serve many signatures.
"""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fedicore.handles import domain_of_url
from fedicore.httpsig import HttpRequest, digest_header, format_http_date, sign_request
from fedicore.httpsig.cavage import signature_header
from fedicore.keys import load_private_key

CONTENT_TYPE = "application/activity+json"
CAVAGE_COVERED = ("(request-target)", "host", "date", "digest", "content-type")
MAX_CHUNK = 16  # signatures per thread hop: big enough to amortise it, small enough to pipeline
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


@dataclass(frozen=True, slots=True)
class Payload:
    """One job's body with what every delivery of it shares."""

    body: bytes
    digest: str  # the cavage ``Digest`` header value

    @classmethod
    def of(cls, body: bytes) -> Payload:
        return cls(body, digest_header(body))


_UNSAFE = frozenset(" \r\n\t\x00")
_PATH_SAFE = "/?#[]@!$&'()*+,;=:%~-._"  # what quote leaves alone: only non-ASCII gets encoded


@dataclass(frozen=True, slots=True)
class Target:
    """Where one delivery goes, split once: the Host value and the request-target."""

    url: str
    scheme: str
    authority: str
    request_target: str

    @classmethod
    def of(cls, url: str) -> Target:
        """Checked once per delivery row, so sending and signing need not check again. Raises
        ValueError for a URL that is not absolute http(s) or that a request line or Host
        header cannot carry (whitespace, control characters, a bad port). A non-ASCII host is
        sent IDNA-encoded and non-ASCII path characters percent-encoded, as browsers do."""
        if not _UNSAFE.isdisjoint(url):
            raise ValueError("inbox URL has whitespace or control characters")
        request = HttpRequest("POST", url, {}, b"")
        authority, request_target = request.authority, request.request_target
        if not authority.isascii():
            authority = domain_of_url(url) or ""
            if not authority:
                raise ValueError(f"inbox URL has an unusable host: {url[:200]!r}")
        if not request_target.isascii():
            request_target = quote(request_target, safe=_PATH_SAFE)
        port = authority.rpartition("]")[2] if authority.startswith("[") else authority
        _, colon, port_text = port.rpartition(":")
        if colon and not (port_text.isdigit() and 0 < int(port_text) < 65536):
            raise ValueError(f"inbox URL has a bad port: {url[:200]!r}")
        return cls(url, request.scheme, authority, request_target)


@dataclass(frozen=True, slots=True)
class _Key:
    key_id: str
    key: object
    fast: bool  # RSA: the signing string and header are built here
    header_head: str = field(default="")


class Signer:
    """Signs POSTs with a local actor's key in a ``threads``-wide pool."""

    def __init__(self, threads: int = 2) -> None:
        self._threads = max(threads, 1)
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="fedipress-sign")
        self._keys: dict[str, _Key] = {}
        self._waiting: list[tuple[_Key, Target, Payload, str, float, asyncio.Future[dict[str, str]]]] = []
        self._flush_scheduled = False

    def add_key(self, actor: str, key_id: str, private_pem: str) -> None:
        """Remember an actor's key (parsed once: PEM parsing costs more than a signature)."""
        key = load_private_key(private_pem)
        fast = isinstance(key, rsa.RSAPrivateKey)
        head = signature_header(key_id, "rsa-sha256", CAVAGE_COVERED, b"")[: -len('""')] if fast else ""
        self._keys[actor] = _Key(key_id, key, fast, head)

    def has_key(self, actor: str) -> bool:
        return actor in self._keys

    def headers_for(
        self, actor: str, target: Target, payload: Payload, *, scheme: str, now: float
    ) -> asyncio.Future[dict[str, str]]:
        """A future of all headers of one signed delivery POST (besides Content-Length).

        Signing errors (a URL a header cannot carry) come back as the future's exception.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, str]] = loop.create_future()
        self._waiting.append((self._keys[actor], target, payload, scheme, now, future))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        """Hand what queued up during this loop turn to the pool, split over the threads."""
        self._flush_scheduled = False
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        size = min(MAX_CHUNK, max(1, math.ceil(len(waiting) / self._threads)))
        loop = asyncio.get_running_loop()
        for start in range(0, len(waiting), size):
            chunk = waiting[start : start + size]
            done = loop.run_in_executor(self._pool, sign_chunk, [item[:5] for item in chunk])
            done.add_done_callback(lambda fut, chunk=chunk: _settle(fut, chunk))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        for *_, future in self._waiting:
            if not future.done():
                future.cancel()
        self._waiting = []


def _settle(done: asyncio.Future[list[dict[str, str] | Exception]], chunk: Sequence[tuple]) -> None:
    if done.cancelled() or done.exception() is not None:
        failure = RuntimeError("signing pool stopped") if done.cancelled() else done.exception()
        for *_, future in chunk:
            if not future.done():
                future.set_exception(failure)  # type: ignore[arg-type]
        return
    for result, (*_, future) in zip(done.result(), chunk):
        if future.done():
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)


_dates: dict[int, str] = {}


def http_date(now: float) -> str:
    """IMF-fixdate of ``now``, remembered per second (many deliveries share one)."""
    second = int(now)
    text = _dates.get(second)
    if text is None:
        if len(_dates) > 64:
            _dates.clear()
        text = _dates[second] = format_http_date(second)
    return text


def sign_chunk(items: Sequence[tuple[_Key, Target, Payload, str, float]]) -> list[dict[str, str] | Exception]:
    """Runs in a pool thread: the signed headers of each item, or the error that stopped it."""
    out: list[dict[str, str] | Exception] = []
    for key, target, payload, scheme, now in items:
        try:
            out.append(signed_headers(key, target, payload, scheme, now))
        except Exception as exc:  # noqa: BLE001 - one bad delivery must not fail its chunk
            out.append(exc)
    return out


def signed_headers(key: _Key, target: Target, payload: Payload, scheme: str, now: float) -> dict[str, str]:
    """Host, Date, Digest/Content-Digest, Content-Type and Signature(-Input) of one POST."""
    date = http_date(now)
    if scheme == "cavage" and key.fast:  # Target.of made both ASCII and free of line breaks
        message = (
            f"(request-target): post {target.request_target}\nhost: {target.authority}\n"
            f"date: {date}\ndigest: {payload.digest}\ncontent-type: {CONTENT_TYPE}"
        )
        signature = key.key.sign(message.encode("ascii"), _PKCS1, _SHA256)  # type: ignore[attr-defined]
        return {
            "Host": target.authority, "Date": date, "Digest": payload.digest, "Content-Type": CONTENT_TYPE,
            "Signature": key.header_head + '"' + base64.b64encode(signature).decode("ascii") + '"',
        }
    request = HttpRequest("POST", target.url, {"Content-Type": CONTENT_TYPE}, payload.body)
    added = sign_request(request, key_id=key.key_id, private_key=key.key, scheme=scheme, now=float(int(now)))
    return {"Content-Type": CONTENT_TYPE, **added}


__all__ = ["CONTENT_TYPE", "Payload", "Signer", "Target", "http_date", "signed_headers"]
