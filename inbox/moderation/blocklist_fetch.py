"""Fetching a blocklist CSV from a URL, and the subscriptions that refresh one on a schedule.

The fetch refuses private and special addresses (``fedicore.netguard``) at every redirect hop
unless the operator's settings allow private fetches; it connects to the address it checked
(no second DNS answer), follows at most 3 redirects, reads at most 5 MiB (decoded: gzip and
deflate answers are decoded under that bound, ``fedicore.content_coding``) and waits at most
15 s for the whole list, however slowly it arrives.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from fedicore.content_coding import ACCEPT_ENCODING, BodyProblem, BoundedDecoder
from fedicore.netguard import forbidden_address_reason
from inbox.moderation.blocklist_csv import BlocklistDiff, parse_blocklist
from inbox.moderation.service import import_blocklist
from inbox.storage import moderation as store
from inbox.storage.db import Database

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
TIMEOUT = 15.0
DEFAULT_INTERVAL = 24 * 3600.0


class FetchError(Exception):
    """The list could not be fetched; ``str`` is one line for the operator."""


async def _address_for(host: str, port: int, allow_private: bool) -> str:
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                                 type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            reason = forbidden_address_reason(address)
            if reason:
                raise FetchError(f"{host} resolves to a forbidden address ({reason}); "
                                 "set allow_private_fetch to allow it")
    return addresses[0]


async def fetch_text(url: str, *, allow_private: bool) -> str:
    """GET ``url`` as text under the limits above; FetchError with a reason otherwise."""
    try:
        async with asyncio.timeout(TIMEOUT):
            return await _fetch_text(url, allow_private=allow_private)
    except TimeoutError:
        raise FetchError(f"{url} did not arrive in time ({TIMEOUT:g} s)") from None


async def _fetch_text(url: str, *, allow_private: bool) -> str:
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"not an http(s) URL: {url[:200]}")
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                raise FetchError(f"bad port in {url[:200]}") from None
            address = await _address_for(parts.hostname, port, allow_private)
            ip_host = f"[{address}]" if ":" in address else address
            pinned = parts._replace(netloc=f"{ip_host}:{port}").geturl()
            request = client.build_request(
                "GET", pinned, headers={"Host": parts.netloc.rpartition("@")[2],
                                        "Accept": "text/csv, text/plain",
                                        "Accept-Encoding": ACCEPT_ENCODING},
                extensions={"sni_hostname": parts.hostname})
            try:
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__} fetching {url}") from None
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError("redirect without Location")
                    url = urljoin(url, location)
                    continue
                if response.status_code != 200:
                    raise FetchError(f"{url} answered {response.status_code}")
                decoder = BoundedDecoder(response.headers.get("content-encoding"), limit=MAX_BYTES)
                async for chunk in response.aiter_raw():
                    if isinstance(decoder.feed(chunk), BodyProblem):
                        break
                body = decoder.finish()
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__} reading {url}") from None
            finally:
                await response.aclose()
            if isinstance(body, BodyProblem):
                raise FetchError(f"{url}: {body.detail}")
            return body.decode("utf-8", errors="replace")
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


@dataclass(frozen=True, slots=True)
class RefreshResult:
    url: str
    diff: BlocklistDiff | None
    error: str | None


async def refresh_subscription(db: Database, url: str, *, now: float, allow_private: bool,
                               who: str = "subscription") -> RefreshResult:
    """Fetch and import one subscribed list (source = its URL); the operator's rows are kept.
    A failed fetch or a malformed list changes nothing and is recorded on the subscription."""
    try:
        parsed = parse_blocklist(await fetch_text(url, allow_private=allow_private))
    except (FetchError, ValueError) as exc:
        await store.mark_subscription(db, url, status=f"error: {exc}", now=now)
        return RefreshResult(url, None, str(exc))
    diff, _ = await import_blocklist(db, parsed.entries, source=url, who=who, now=now)
    counts = ", ".join(f"{k} {v}" for k, v in diff.counts().items())
    await store.mark_subscription(db, url, status=f"ok: {counts}", now=now)
    return RefreshResult(url, diff, None)


async def refresh_due(db: Database, *, now: float, allow_private: bool) -> list[RefreshResult]:
    """Refresh every subscription whose next fetch time has come."""
    results = []
    for row in await store.subscriptions(db, due_at=now):
        results.append(await refresh_subscription(db, row["url"], now=now,
                                                  allow_private=allow_private))
    return results
