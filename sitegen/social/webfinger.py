"""Who ``@user@domain`` is: WebFinger, asked by `fedipress publish`, kept in ``data/mentions.json``.

``GET https://domain/.well-known/webfinger?resource=acct:user@domain`` answers a JRD whose
``self`` link (type ``application/activity+json``, or ``application/ld+json`` with the
ActivityStreams profile) is the account's actor id; its ``profile-page`` link is where the page
links a reader. Every request goes through the same guard as `fedipress pull`: the host's
addresses are resolved and judged by `fedicore.netguard`, the connection goes to the address
judged (DNS cannot change in between), at most 3 redirects each judged again, 256 KiB of
decoded body at most. ``allow_private`` (the `--allow-private` switch, for tests and local
development) lets loopback and private hosts through and also tries plain ``http``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from fedicore.handles import Handle, domain_of_url
from fedicore.html_policy import is_http_url
from sitegen.mentions import handle_key, load_entries, save_entries
from sitegen.social.pull import public_address

MAX_BYTES = 256 * 1024
MAX_REDIRECTS = 3
TIMEOUT = 5.0
THREADS = 8
REFRESH_SECONDS = 7 * 86400.0  # a resolved handle is asked again after a week
SELF_TYPES = ("application/activity+json", "application/ld+json")
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
USER_AGENT = "Fedipress-Site"


class Unresolved(Exception):
    """Why a handle has no actor id (one line, shown by publish and kept in the cache)."""


def actor_from_jrd(jrd: Any) -> dict[str, str]:
    """``{"id", "url"}`` from a WebFinger answer; raises `Unresolved` when it names no actor."""
    if not isinstance(jrd, dict) or not isinstance(jrd.get("links"), list):
        raise Unresolved("WebFinger answer has no links")
    actor_id = profile = None
    for link in jrd["links"]:
        if not isinstance(link, dict) or not is_http_url(link.get("href")):
            continue
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        if link.get("rel") == "self" and kind in SELF_TYPES and actor_id is None:
            actor_id = link["href"]
        elif link.get("rel") == PROFILE_PAGE and profile is None:
            profile = link["href"]
    if actor_id is None:
        raise Unresolved("WebFinger answer has no ActivityPub self link")
    return {"id": actor_id, "url": profile or actor_id}


@dataclass
class Resolver:
    """Resolves handles over guarded GETs; one ``httpx.Client``, safe to share between threads."""

    allow_private: bool = False
    timeout: float = TIMEOUT
    transport: httpx.BaseTransport | None = None
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=self.timeout, transport=self.transport,
                                 follow_redirects=False, headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self.http.close()

    def resolve(self, handle: str) -> dict[str, str]:
        """``{"id", "url"}`` of ``@user@domain``; raises `Unresolved` with the reason."""
        try:
            parsed = Handle.parse(handle)
        except ValueError as exc:
            raise Unresolved(str(exc)) from None
        found = self._finger(parsed)
        actor_host = domain_of_url(found["id"])
        if actor_host != parsed.domain:
            # A domain may delegate its accounts to another host (example.com -> social.
            # example.com), but any host could also name someone else's actor: as Mastodon
            # does, the actor's own host must confirm the account points at that actor.
            try:
                confirmed = self._finger(Handle(parsed.user, actor_host or ""))
            except (Unresolved, ValueError):
                confirmed = {}
            if confirmed.get("id") != found["id"]:
                raise Unresolved(f"{found['id']} is on another host, which does not confirm "
                                 f"it is {handle}")
        return found

    def _finger(self, handle: Handle) -> dict[str, str]:
        resource = quote(handle.acct_uri, safe=":@")
        schemes = ("https", "http") if self.allow_private else ("https",)
        failure = Unresolved("no answer")
        for scheme in schemes:
            url = f"{scheme}://{handle.domain}/.well-known/webfinger?resource={resource}"
            try:
                return actor_from_jrd(self._get_json(url))
            except Unresolved as exc:
                failure = exc
        raise failure

    def _get_json(self, url: str) -> Any:
        for _hop in range(MAX_REDIRECTS + 1):
            status, location, body = self._get(url)
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            if status != 200:
                raise Unresolved(f"WebFinger answered HTTP {status} ({url})")
            try:
                return json.loads(body)
            except ValueError:
                raise Unresolved(f"WebFinger answer is not JSON ({url})") from None
        raise Unresolved(f"more than {MAX_REDIRECTS} redirects ({url})")

    def _get(self, url: str) -> tuple[int, str | None, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Unresolved(f"not an http(s) URL: {url}")
        headers = {"Accept": "application/jrd+json, application/json"}
        target, extensions = url, {}
        if not self.allow_private:
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                raise Unresolved(f"bad port in {url}") from None
            address = public_address(parts.hostname, port)
            if address is None:
                raise Unresolved(f"{parts.hostname} is not a public address (refused)")
            pinned = f"[{address}]" if ":" in address else address
            target = parts._replace(netloc=f"{pinned}:{port}").geturl()
            headers["Host"] = parts.netloc.rpartition("@")[2]
            extensions = {"sni_hostname": parts.hostname}
        try:
            with self.http.stream("GET", target, headers=headers, extensions=extensions) as answer:
                body = bytearray()
                if answer.status_code == 200:
                    for chunk in answer.iter_bytes():  # decoded: the limit holds for gzip too
                        body += chunk
                        if len(body) > MAX_BYTES:
                            raise Unresolved(f"WebFinger answer over {MAX_BYTES} bytes ({url})")
                return answer.status_code, answer.headers.get("location"), bytes(body)
        except httpx.HTTPError as exc:
            raise Unresolved(f"{parts.netloc} unreachable: {type(exc).__name__}") from None


@dataclass
class MentionReport:
    resolved: list[str] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (handle, reason)
    changed: bool = False


def due(entries: dict[str, dict[str, Any]], handles: Iterable[str], now: float) -> list[str]:
    """Handles to ask about: never asked, failed last time, or resolved over a week ago
    (one spelling per handle; the cache is keyed by `handle_key`)."""
    spellings: dict[str, str] = {}
    for handle in sorted(handles):
        spellings.setdefault(handle_key(handle), handle)
    chosen = []
    for key, handle in sorted(spellings.items()):
        entry = entries.get(key)
        if entry is None or "id" not in entry or "error" in entry \
                or _age(entry, now) > REFRESH_SECONDS:
            chosen.append(handle)
    return chosen


def refresh_mentions(root: Path, handles: Iterable[str], *, now: float,
                     allow_private: bool = False, resolver: Resolver | None = None,
                     echo: Callable[[str], None] = lambda line: None) -> MentionReport:
    """Resolve the ``handles`` that are due and write ``data/mentions.json``.

    A handle that resolved before and fails now keeps its last actor id (a server that is
    down for a day must not strip the mention from a post); the failure is still reported."""
    entries = load_entries(root)
    asked = due(entries, handles, now)
    report = MentionReport()
    if not asked:
        return report
    own = resolver is None
    resolver = resolver or Resolver(allow_private=allow_private)
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            answers = list(pool.map(lambda h: _attempt(resolver, h), asked))
    finally:
        if own:
            resolver.close()
    checked = _iso(now)
    for handle, answer in zip(asked, answers):
        key = handle_key(handle)
        old = entries.get(key, {})
        if isinstance(answer, dict):
            entries[key] = {**answer, "checked": checked}
            report.resolved.append(handle)
        else:
            report.unresolved.append((handle, answer))
            echo(f"warning: could not resolve {handle}: {answer} (no Mention; nobody notified)")
            kept = {k: old[k] for k in ("id", "url") if k in old}
            entries[key] = {**kept, "error": answer, "checked": checked}
    report.changed = save_entries(root, entries)
    return report


def _attempt(resolver: Resolver, handle: str) -> dict[str, str] | str:
    try:
        return resolver.resolve(handle)
    except Unresolved as exc:
        return str(exc)


def _age(entry: dict[str, Any], now: float) -> float:
    try:
        checked = dt.datetime.fromisoformat(str(entry.get("checked")).replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    return now - checked.timestamp()


def _iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def refresh_site_mentions(root: Path, out_dir: Path, *, now: float, allow_private: bool = False,
                          echo: Callable[[str], None] = lambda line: None,
                          resolver: Resolver | None = None) -> MentionReport:
    """Before a publish: resolve the due handles the live posts name (from the last build's
    manifest) and, when an actor id or profile changed, build again into ``out_dir`` so what
    is sent carries it (only the posts naming those handles are rendered)."""
    from sitegen.build import build_site
    from sitegen.manifest import load_manifest
    from sitegen.mentions import load_targets

    manifest = load_manifest(root)
    if manifest is None:
        return MentionReport()
    handles = {h for r in manifest.posts.values() if r.written and not r.draft for h in r.mentions}
    before = load_targets(root)
    report = refresh_mentions(root, handles, now=now, allow_private=allow_private, echo=echo,
                              resolver=resolver)
    after = load_targets(root)
    for handle in report.resolved:
        key = handle_key(handle)
        if before.get(key) != after.get(key):
            echo(f"resolved {handle}: {after[key].id}")
    if before != after:
        base_url = manifest.options.rsplit("|", 1)[1] or None
        built = build_site(root, out_dir, version=manifest.version, base_url=base_url, now=now)
        echo(f"built again with resolved mentions ({built.rendered} posts rendered); deploy the "
             "site again so the served documents match what is sent")
    return report
