"""The one way the inbox reads remote documents: actors, keys, objects.

Every fetch: resolve the host, refuse any forbidden address (``fedicore.netguard``), connect
to the checked address itself (so DNS cannot change between check and connect), follow at
most 3 redirects with the same check on each hop, sign the GET as a local actor (authorized
fetch), accept only ActivityPub content types, require ``id`` == the URL fetched (else refetch
once from the ``id``), ask for gzip/deflate and decode it (``fedicore.content_coding``: the
1 MiB bound is on the decoded bytes, a decompression bomb is cut off at the bound), ~10 s for
the whole document however slowly it arrives. Actors and keys are cached with an expiry;
failures are cached too, so one bad key cannot make the inbox hammer a host.

The GETs go through aiohttp (no redirects, no cookies, no decompression: the fetcher does
those itself): a first delivery from a new actor waits for its key, and httpx's connection
pool cost ~1 ms of CPU a fetch with a few dozen keep-alive connections (``bench/inbox.py``,
first contact), a third of what such a delivery cost.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
from yarl import URL

from fedicore import keys
from fedicore.content_coding import ACCEPT_ENCODING, BodyProblem, BoundedDecoder
from fedicore.handles import domain_of_url
from fedicore.httpsig import HttpRequest, sign_request
from fedicore.netguard import forbidden_address_reason
from fedicore.vocab import ACCEPT_ACTIVITY, as_list, id_of, is_activity_content_type
from inbox.activity_json import JsonProblem, decode_json_object
from inbox.delivery.signing import Target

MAX_REDIRECTS = 3
USER_AGENT = "Fedipress-Inbox/0.1"


def wire_form(url: str) -> str:
    """``url`` as a request line, the Host header and a signature carry it, made as a delivery's
    target is (``Target.of``): a non-ASCII host IDNA-encoded, non-ASCII path characters
    percent-encoded, the authority normalised (a keyId or actor id is the sender's to choose).
    ValueError for whitespace, control characters, a bad port or an unusable host."""
    target = Target.of(url)
    return f"{target.scheme}://{target.authority}{target.request_target}"


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a document could not be had. ``transient`` ones are answered 503 + Retry-After."""

    reason: str
    detail: str
    transient: bool = False


@dataclass(frozen=True, slots=True)
class SigningKey:
    """Who signs our GETs: a local actor's key id and private key PEM."""

    key_id: str
    private_key_pem: str


@dataclass(frozen=True, slots=True)
class RemoteKey:
    """A verified remote public key: its owner lists it, and the owner document is the actor."""

    key_id: str
    owner: str
    public_key: object
    actor: dict[str, Any]


def _document_url(url: str) -> str:
    return url.partition("#")[0]


class Fetcher:
    """Remote reads with SSRF guard, caches and limits. One per app (``app.state.fetcher``).

    ``allow_private`` is the operator's switch: True lets every address through (tests, local
    development); a set of addresses lets only those through the guard.
    """

    def __init__(
        self,
        *,
        allow_private: bool | frozenset[str] = False,
        timeout: float = 10.0,
        max_bytes: int = 1048576,
        cache_ttl: float = 3600.0,
        failure_ttl: float = 60.0,
        refresh_interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.cache_ttl = cache_ttl
        self.failure_ttl = failure_ttl
        self.refresh_interval = refresh_interval
        self._refreshed: dict[str, float] = {}
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._session: aiohttp.ClientSession | None = None  # made in the running loop
        self._documents: dict[str, tuple[float, dict[str, Any] | FetchFailure]] = {}
        self._webfinger: dict[str, tuple[float, str | None]] = {}
        self._keys: dict[str, tuple[float, RemoteKey | FetchFailure]] = {}
        self._inflight: dict[str, asyncio.Future] = {}
        self.requests_made = 0

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=None, use_dns_cache=False),
                timeout=aiohttp.ClientTimeout(total=self.timeout), auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(), headers={"User-Agent": USER_AGENT},
                trust_env=False)
        return self._session

    # -- public reads -------------------------------------------------------------------------

    async def fetch_document(self, url: str, *, signer: SigningKey | None = None,
                             refresh: bool = False) -> dict[str, Any] | FetchFailure:
        """A document whose ``id`` is ``url`` (fragment dropped), cached."""
        url = _document_url(url)
        now = self._monotonic()
        cached = self._documents.get(url)
        if cached and cached[0] > now and not (refresh and isinstance(cached[1], dict)):
            return cached[1]
        result = await self._coalesced("doc:" + url, lambda: self._fetch_checked(url, signer))
        ttl = self.cache_ttl if isinstance(result, dict) else self.failure_ttl
        self._documents[url] = (self._monotonic() + ttl, result)
        return result

    async def fetch_key(self, key_id: str, *, signer: SigningKey | None = None,
                        refresh: bool = False) -> RemoteKey | FetchFailure:
        """The public key named by a signature's keyId, with its owner checked."""
        now = self._monotonic()
        cached = self._keys.get(key_id)
        if refresh and self._refreshed.get(key_id, -1e18) + self.refresh_interval > now:
            refresh = False  # bad signatures must not make us refetch a key on every request
        if cached and cached[0] > now and not (refresh and isinstance(cached[1], RemoteKey)):
            return cached[1]
        if refresh:
            if len(self._refreshed) > 10_000:
                self._refreshed.clear()
            self._refreshed[key_id] = now
        result = await self._coalesced("key:" + key_id, lambda: self._load_key(key_id, signer, refresh))
        ttl = self.cache_ttl if isinstance(result, RemoteKey) else self.failure_ttl
        self._keys[key_id] = (self._monotonic() + ttl, result)
        return result

    def forget(self, url: str) -> None:
        self._documents.pop(_document_url(url), None)

    # -- keys -----------------------------------------------------------------------------------

    async def _load_key(self, key_id: str, signer: SigningKey | None, refresh: bool) -> RemoteKey | FetchFailure:
        if not key_id.startswith(("https://", "http://")):
            return FetchFailure("key", f"keyId {key_id[:100]!r} is not an http(s) URL")
        document = await self.fetch_document(key_id, signer=signer, refresh=refresh)
        if isinstance(document, FetchFailure):
            return document
        key_doc = _find_key(document, key_id)
        if key_doc is None and "publicKeyPem" in document:
            key_doc = document
        bare_actor = key_doc is None and document.get("id") == key_id
        if bare_actor:
            # keyId = the bare actor URL (activitypub-express): its one key is the key.
            listed = [k for k in as_list(document.get("publicKey")) if isinstance(k, dict)]
            key_doc = listed[0] if len(listed) == 1 else None
        if key_doc is None:
            return FetchFailure("key", "the document names no such key")
        owner = id_of(key_doc.get("owner") or key_doc.get("controller"))
        if not owner:
            return FetchFailure("key", "the key names no owner")
        if owner == _document_url(key_id) or owner == document.get("id"):
            actor = document
        else:
            actor = await self.fetch_document(owner, signer=signer, refresh=refresh)
            if isinstance(actor, FetchFailure):
                return actor
        if actor.get("id") != owner or (_find_key(actor, key_id) is None
                                           and not (bare_actor and actor is document)):
            return FetchFailure("key", "the key's owner does not list that key")
        pem = key_doc.get("publicKeyPem")
        if not isinstance(pem, str):
            return FetchFailure("key", "the key has no publicKeyPem")
        try:
            public_key = keys.load_public_key(pem)
        except ValueError as exc:
            return FetchFailure("key", f"unusable public key: {exc}")
        return RemoteKey(key_id=key_id, owner=owner, public_key=public_key, actor=actor)

    # -- the guarded GET ------------------------------------------------------------------------

    async def _coalesced(self, key: str, make: Callable[[], Any]) -> Any:
        """Concurrent asks for the same thing share one fetch."""
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.ensure_future(make())
        self._inflight[key] = future
        try:
            return await asyncio.shield(future)
        finally:
            self._inflight.pop(key, None)

    async def _fetch_checked(self, url: str, signer: SigningKey | None) -> dict[str, Any] | FetchFailure:
        document = await self._get_json(url, signer)
        if isinstance(document, FetchFailure):
            return document
        found = document.get("id")
        if found == url:
            return document
        if not isinstance(found, str) or not found.startswith(("https://", "http://")):
            return FetchFailure("origin", "the document has no id")
        # Not the id we asked for: fetch from its own id once; that copy must be itself.
        second = await self._get_json(found, signer)
        if isinstance(second, FetchFailure):
            return second
        if second.get("id") != found:
            return FetchFailure("origin", "the document's id does not match the URL it came from")
        return second

    async def webfinger(self, user: str, domain: str, origin: str) -> str | None:
        """The ActivityPub id WebFinger at ``origin`` gives for ``acct:user@domain`` (cached,
        failures too), or None. Confirms a name a document only claims."""
        url = f"{origin}/.well-known/webfinger?resource=acct:{quote(user)}@{domain}"
        now = self._monotonic()
        cached = self._webfinger.get(url)
        if cached and cached[0] > now:
            return cached[1]

        async def lookup() -> dict[str, Any] | FetchFailure:
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._follow(url, None, jrd=True)
            except TimeoutError:
                return FetchFailure("unreachable", f"timed out fetching {url}", transient=True)

        jrd = await self._coalesced("wf:" + url, lookup)
        found = None
        if isinstance(jrd, dict):
            for link in as_list(jrd.get("links")):
                if (isinstance(link, dict) and link.get("rel") == "self"
                        and is_activity_content_type(link.get("type")) and isinstance(link.get("href"), str)):
                    found = link["href"]
                    break
        if len(self._webfinger) > 10_000:
            self._webfinger.clear()
        self._webfinger[url] = (now + (self.cache_ttl if found else self.failure_ttl), found)
        return found

    async def fetch_jrd(self, url: str) -> dict[str, Any] | FetchFailure:
        """A WebFinger answer at ``url``, uncached, or why not (``fedipress doctor`` reports
        the reason a remote server would meet)."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, None, jrd=True)
        except TimeoutError:
            return FetchFailure("unreachable", f"timed out fetching {url}", transient=True)

    async def _get_json(self, url: str, signer: SigningKey | None) -> dict[str, Any] | FetchFailure:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, signer)
        except TimeoutError:
            return FetchFailure("unreachable", f"timed out fetching {url}", transient=True)

    async def _follow(self, url: str, signer: SigningKey | None, *,
                      jrd: bool = False) -> dict[str, Any] | FetchFailure:
        for _hop in range(MAX_REDIRECTS + 1):
            answer = await self._get_once(url, signer, jrd=jrd)
            if isinstance(answer, str):  # a redirect target
                url = answer
                continue
            return answer
        return FetchFailure("redirects", f"more than {MAX_REDIRECTS} redirects")

    async def _resolve(self, host: str, port: int) -> list[str] | FetchFailure:
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
            addresses = [str(literal)]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                return FetchFailure("unreachable", f"cannot resolve {host}: {exc}", transient=True)
            addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            return FetchFailure("unreachable", f"{host} has no address", transient=True)
        if self.allow_private is not True:
            exempt = self.allow_private or frozenset()
            for address in addresses:
                reason = None if address in exempt else forbidden_address_reason(address)
                if reason:
                    return FetchFailure("forbidden", f"{host} resolves to a forbidden address ({reason})")
        return addresses

    async def _get_once(self, url: str, signer: SigningKey | None, *,
                        jrd: bool = False) -> dict[str, Any] | FetchFailure | str:
        try:
            url = wire_form(url)
        except ValueError:
            return FetchFailure("url", f"not a plain http(s) URL: {url[:200]}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or domain_of_url(url) is None:
            return FetchFailure("url", f"not a plain http(s) URL: {url[:200]}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return FetchFailure("url", f"bad port in {url[:200]}")
        addresses = await self._resolve(parts.hostname, port)
        if isinstance(addresses, FetchFailure):
            return addresses
        address = addresses[0]
        ip_host = f"[{address}]" if ":" in address else address
        pinned = parts._replace(netloc=f"{ip_host}:{port}").geturl()
        headers = {"Accept": ACCEPT_JRD if jrd else ACCEPT_ACTIVITY, "Accept-Encoding": ACCEPT_ENCODING}
        if signer is not None:
            signed = sign_request(HttpRequest("GET", url, headers), key_id=signer.key_id,
                                  private_key=signer.private_key_pem, now=self._wall_clock())
            headers.update(signed)
        headers["Host"] = parts.netloc.rpartition("@")[2]
        self.requests_made += 1
        try:
            # The checked address itself, the path exactly as signed (no requoting); the name
            # goes in Host and, for TLS, in SNI and the certificate check.
            async with self._client().get(
                    URL(pinned, encoded=True), headers=headers, allow_redirects=False,
                    server_hostname=parts.hostname if parts.scheme == "https" else None) as response:
                status = response.status
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        return FetchFailure("redirects", "redirect without Location")
                    return urljoin(url, location)
                if status == 429 or status >= 500:
                    return FetchFailure("unreachable", f"{url} answered {status}", transient=True)
                if status in (404, 410):
                    return FetchFailure("gone", f"{url} answered {status}")
                if status != 200:
                    return FetchFailure("status", f"{url} answered {status}")
                if not (_is_jrd_content_type if jrd else is_activity_content_type)(response.headers.get("content-type")):
                    return FetchFailure("content_type", f"{url} is not served as ActivityPub JSON")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    return FetchFailure("too_large", f"{url} is larger than {self.max_bytes} bytes")
                decoder = BoundedDecoder(response.headers.get("content-encoding"), limit=self.max_bytes)
                body: bytes | BodyProblem = b""
                async for chunk in response.content.iter_any():
                    body = decoder.feed(chunk)
                    if isinstance(body, BodyProblem):
                        break
                else:
                    body = decoder.finish()
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return FetchFailure("unreachable", f"{type(exc).__name__} fetching {url}", transient=True)
        if isinstance(body, BodyProblem):
            return FetchFailure(body.reason, f"{url}: {body.detail}")
        document = decode_json_object(body)
        if isinstance(document, JsonProblem):
            return FetchFailure("json", f"{url}: {document.detail}")
        return document


ACCEPT_JRD = "application/jrd+json, application/json;q=0.9"


def _is_jrd_content_type(value: str | None) -> bool:
    media = (value or "").split(";", 1)[0].strip().lower()
    return media in ("application/jrd+json", "application/json")


def _find_key(document: dict[str, Any], key_id: str) -> dict[str, Any] | None:
    """The ``publicKey`` (one or a list) of an actor whose id is ``key_id``."""
    if document.get("id") == key_id and "publicKeyPem" in document:
        return document
    for entry in as_list(document.get("publicKey")):
        if isinstance(entry, dict) and entry.get("id") == key_id:
            return entry
    return None
