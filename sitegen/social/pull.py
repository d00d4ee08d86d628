"""``fedipress pull``: what the fediverse said about each post, into data files the build renders.

Writes ``data/interactions.json`` (post slug -> ``{likes, boosts, replies}``, replies in thread
order with a ``depth``) and ``data/followers.json``. Both are rewritten whole from the inbox's
public routes, so a reply that was deleted, or whose author was blocked, is gone after the next
pull. Reply HTML was sanitised by the inbox; it is sanitised again here, because the site must
not trust a server to have done it. Files are only written when their content changes, so an
unchanged pull leaves the next build a no-op.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from fedicore import quotes
from fedicore.consent import author_objection, note_objection
from fedicore.errors import FedipressError
from fedicore.html_policy import clean_html, is_http_url, plain_text
from fedicore.httpsig import HttpRequest, sign_request
from fedicore.netguard import forbidden_address_reason, forbidden_host_reason
from fedicore.vocab import ACCEPT_ACTIVITY
from sitegen.http_read import ACCEPT_ENCODING, BodyProblem, read_body
from fedicore.words import count
from sitegen.config import load_site
from sitegen.desk.answers import answer_of, with_own_answers
from sitegen.social.client import InboxClient
from sitegen.manifest import load_manifest
from sitegen.output import write_if_changed
from sitegen.social.publish import live_posts, load_state, output_dir

PAGE = 100
MAX_DEPTH = 6
THREADS = 8
DOCUMENT_DEADLINE = 10.0   # seconds for a reply author's whole document, however it trickles
MAX_DOCUMENT_BYTES = 1024 * 1024  # decoded bytes of a reply author's document
FACEPILE = 12  # faces shown per kind under a post
ANONYMOUS = "Someone who asked not to be named"


def clean_reply_html(html: str) -> str:
    """Reply HTML through the one shared allow-list (the build cleans it again when rendering)."""
    return clean_html(html)


def _http_url(value: Any) -> str | None:
    return value if is_http_url(value) else None


def _plain(value: Any, limit: int = 120) -> str:
    """Text for a name: no markup survives, and it is short."""
    return plain_text(value, limit)


@dataclass(frozen=True)
class Author:
    name: str
    handle: str
    url: str | None
    avatar: str | None
    objection: str | None = None  # fedicore.consent: why they do not want to be shown


def fallback_author(actor_url: str) -> Author:
    parts = urlsplit(actor_url)
    user = parts.path.rstrip("/").rpartition("/")[2].lstrip("@") or "someone"
    return Author(user, f"@{user}@{parts.netloc}", _http_url(actor_url), None)


def author_from(document: Any, actor_url: str) -> Author:
    if not isinstance(document, dict) or document.get("id") != actor_url:
        return fallback_author(actor_url)
    user = _plain(document.get("preferredUsername"), 64)
    fallback = fallback_author(actor_url)
    icon = document.get("icon")
    avatar = _http_url(icon.get("url")) if isinstance(icon, dict) else _http_url(icon)
    page = document.get("url")
    page = page if isinstance(page, str) else None
    return Author(name=_plain(document.get("name")) or user or fallback.name,
                  handle=f"@{user}@{urlsplit(actor_url).netloc}" if user else fallback.handle,
                  url=_http_url(page) or _http_url(actor_url), avatar=avatar,
                  objection=author_objection(document))


def thread(replies: list[dict[str, Any]], root_id: str) -> list[dict[str, Any]]:
    """Replies in reading order: each followed by its answers, oldest first, with ``depth``."""
    by_id = {r["id"]: r for r in replies}
    children: dict[str, list[dict[str, Any]]] = {}
    for reply in replies:
        parent = reply.get("in_reply_to")
        key = parent if parent in by_id and parent != reply["id"] else root_id
        children.setdefault(key, []).append(reply)
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()

    def walk(key: str, depth: int) -> None:
        for reply in sorted(children.get(key, []), key=lambda r: (r["published"], r["id"])):
            if reply["id"] in seen:
                continue
            seen.add(reply["id"])
            ordered.append({**reply, "depth": min(depth, MAX_DEPTH)})
            walk(reply["id"], depth + 1)

    walk(root_id, 0)
    return ordered


def public_address(host: str, port: int) -> str | None:
    """An address of ``host`` to connect to when every address it resolves to is public;
    None for a forbidden or unresolvable host (``fedicore.netguard`` decides what is public)."""
    if not host or forbidden_host_reason(host):
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = [info[4][0] for info in infos]
    if not addresses or any(forbidden_address_reason(address) for address in addresses):
        return None
    return addresses[0]


class Puller:
    """Reads one site's interactions from its inbox (public routes, one client, threads).

    Reply authors are fetched from their own servers with GETs signed as the blog (servers in
    authorized-fetch mode answer 401 to unsigned ones), gzip decoded, within
    ``document_deadline`` seconds and ``max_document_bytes`` decoded bytes each."""

    def __init__(self, client: InboxClient, *, allow_private: bool = False,
                 actor_id: str | None = None,
                 document_deadline: float = DOCUMENT_DEADLINE,
                 max_document_bytes: int = MAX_DOCUMENT_BYTES) -> None:
        self.client = client
        self.allow_private = allow_private
        self.document_deadline = document_deadline
        self.max_document_bytes = max_document_bytes
        self.authors: dict[str, Author] = {}
        self.actor_id = actor_id  # the blog's actor: the stamps are its documents
        self.stamps: list[dict[str, Any]] = []  # accepted quotes' authorization stamps

    def _path(self, kind: str, object_id: str, skip: int = 0) -> str:
        token = base64.urlsafe_b64encode(object_id.encode()).decode().rstrip("=")
        return self.client.actor_path(f"/inbox/{kind}/{token}?skip={skip}&limit={PAGE}")

    def _collection(self, kind: str, object_id: str, *, items: bool,
                    optional: bool = False) -> tuple[int, list]:
        """``optional``: a route an older inbox lacks; its 404 reads as none."""
        found: list = []
        skip = 0
        while True:
            answer = self.client.get(self._path(kind, object_id, skip), signed=False)
            if optional and answer.status == 404:
                return 0, found
            if answer.status != 200 or not isinstance(answer.data, dict):
                raise FedipressError(f"inbox answered HTTP {answer.status} for {kind} of "
                                     f"{object_id}: {answer.error_line()}")
            total = int(answer.data.get("totalItems") or 0)
            page = answer.data.get("orderedItems") or []
            if not items:
                return total, []
            found.extend(p for p in page if isinstance(p, dict))
            skip += PAGE
            if not page or skip >= total:
                return total, found

    def author(self, actor_url: str) -> Author:
        if actor_url not in self.authors:
            self.authors[actor_url] = self._fetch_author(actor_url)
        return self.authors[actor_url]

    def _fetch_author(self, actor_url: str) -> Author:
        parts = urlsplit(actor_url)
        headers = {"Accept": ACCEPT_ACTIVITY, "Accept-Encoding": ACCEPT_ENCODING}
        url, extensions = actor_url, {}
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return fallback_author(actor_url)
        if not self.allow_private:
            # Judge every address the name resolves to, then connect to the one judged (a
            # second lookup could answer differently), as the inbox's fetcher does.
            address = public_address(parts.hostname or "", port)
            if address is None:
                return fallback_author(actor_url)
            pinned = f"[{address}]" if ":" in address else address
            url = parts._replace(netloc=f"{pinned}:{port}").geturl()
            extensions = {"sni_hostname": parts.hostname}
        key_id, private_pem = getattr(self.client, "key_id", None), getattr(self.client, "private_pem", None)
        if key_id and private_pem:  # signed as the blog: the URL and Host the remote sees
            headers |= sign_request(HttpRequest("GET", actor_url, headers), key_id=key_id,
                                    private_key=private_pem, now=time.time())
        headers["Host"] = parts.netloc.rpartition("@")[2]
        return author_from(self._read_document(url, headers, extensions), actor_url)

    def _read_document(self, url: str, headers: dict[str, str], extensions: dict) -> Any:
        """The JSON at ``url``, or None: a missing name is not worth failing the pull."""
        deadline = time.monotonic() + self.document_deadline
        request = self.client.http.build_request("GET", url, headers=headers, extensions=extensions,
                                                 timeout=min(5.0, self.document_deadline))
        try:
            response = self.client.http.send(request, stream=True)
        except httpx.HTTPError:
            return None
        try:
            if response.status_code != 200:
                return None
            body = read_body(response, limit=self.max_document_bytes, deadline=deadline)
        finally:
            response.close()
        if isinstance(body, BodyProblem):
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def reply(self, note: dict[str, Any]) -> dict[str, Any] | None:
        actor_url = note.get("attributedTo")
        note_id = note.get("id")
        if not _http_url(actor_url) or not _http_url(note_id):
            return None
        author = self.author(str(actor_url))
        url = note.get("url")
        rules = self.client.site.config.replies
        withheld = note_objection(note, rules.noblog_tag) or author.objection
        if withheld and rules.unconsented == "hide":
            return None
        if withheld:  # shown, without who wrote it
            author = Author(ANONYMOUS, "", None, None)
        return {
            "id": note_id,
            "url": None if withheld else _http_url(url if isinstance(url, str) else None) or note_id,
            "in_reply_to": note.get("inReplyTo") if isinstance(note.get("inReplyTo"), str) else None,
            "published": note.get("published") if isinstance(note.get("published"), str) else "",
            "author_name": author.name, "author_handle": author.handle or None,
            "author_url": None if withheld else author.url or actor_url,
            "author_avatar": author.avatar,
            "content_warning": _plain(note.get("summary"), 500) or None,
            "content_html": clean_reply_html(str(note.get("content") or "")),
        } | ({"withheld": withheld} if withheld else {})

    def reactions(self, post_id: str) -> list[dict[str, Any]]:
        """Emoji reactions, most used first: ``{"emoji", "count", "icon"}`` (icon: a custom
        emoji's image, absolute http(s), else None)."""
        answer = self.client.get(self._path("reactions", post_id), signed=False)
        if answer.status == 404:  # an older inbox, without emoji reactions
            return []
        if answer.status != 200 or not isinstance(answer.data, dict):
            raise FedipressError(f"inbox answered HTTP {answer.status} for reactions of "
                                 f"{post_id}: {answer.error_line()}")
        found = []
        for item in answer.data.get("items") or []:
            if not isinstance(item, dict):
                continue
            emoji, count = _plain(item.get("content"), 64), item.get("count")
            if emoji and type(count) is int and count > 0:
                found.append({"emoji": emoji, "count": count, "icon": _http_url(item.get("icon"))})
        return found

    def faces(self, kind: str, object_id: str) -> list[dict[str, Any]]:
        """Who liked or boosted, newest first, at most FACEPILE: the inbox lists the
        activities only to the blog's own signed request."""
        token = base64.urlsafe_b64encode(object_id.encode()).decode().rstrip("=")
        answer = self.client.get(self.client.actor_path(
            f"/inbox/{kind}/{token}?skip=0&limit={FACEPILE}"), signed=True)
        items = answer.data.get("orderedItems") if isinstance(answer.data, dict) else None
        found = []
        for activity in items if isinstance(items, list) else []:
            actor = activity.get("actor") if isinstance(activity, dict) else None
            if _http_url(actor) and actor not in [f["url"] for f in found]:
                author = self.author(str(actor))
                found.append({"name": author.name, "handle": author.handle,
                              "url": author.url or actor, "avatar": author.avatar})
        return found[:FACEPILE]

    def post_entry(self, post_id: str) -> dict[str, Any] | None:
        _total, notes = self._collection("replies", post_id, items=True)
        likes, _ = self._collection("likes", post_id, items=False)
        boosts, _ = self._collection("shares", post_id, items=False)
        reactions = self.reactions(post_id)
        quoted, stamps = self._collection("quotes", post_id, items=True, optional=True)
        self.stamps.extend(s for s in (self.stamp(raw, post_id) for raw in stamps) if s)
        replies = [r for r in (self.reply(n) for n in notes) if r is not None]
        if not replies and not likes and not boosts and not reactions and not quoted:
            return None
        entry: dict[str, Any] = {"likes": likes, "boosts": boosts, "replies": thread(replies, post_id)}
        if reactions:
            entry["reactions"] = reactions
        if quoted:
            entry["quotes"] = quoted
        if likes and (likers := self.faces("likes", post_id)):
            entry["likers"] = likers
        if boosts and (boosters := self.faces("shares", post_id)):
            entry["boosters"] = boosters
        return entry

    def stamp(self, raw: Any, post_id: str) -> dict[str, Any] | None:
        """A quote's authorization stamp, rebuilt here from the two post ids (never the inbox's
        bytes): the blog's own document, at a path derived from those ids."""
        if not isinstance(raw, dict) or raw.get("interactionTarget") != post_id or not self.actor_id:
            return None
        instrument = _http_url(raw.get("interactingObject"))
        return quotes.quote_authorization(self.actor_id, instrument, post_id) if instrument else None

    def followers(self) -> int:
        answer = self.client.get(self.client.actor_path("/followers"), signed=False)
        if answer.status != 200 or not isinstance(answer.data, dict):
            raise FedipressError(f"inbox answered HTTP {answer.status} for followers: "
                                 f"{answer.error_line()}")
        return int(answer.data.get("totalItems") or 0)


STAMPS_DIR = ("static", "ap", "quotes")  # pull owns this folder: served at <base>/ap/quotes/


def write_stamps(root: Path, base_url: str, stamps: list[dict[str, Any]]) -> bool:
    """Write the quote stamps under ``static/ap/quotes/`` (the build copies them to the site,
    served as ``application/activity+json`` like every ``/ap/`` document) and remove the ones
    no longer accepted. True if anything changed."""
    folder = root.joinpath(*STAMPS_DIR)
    prefix = f"{base_url.rstrip('/')}/{'/'.join(STAMPS_DIR[1:])}/"
    wanted = {stamp["id"].removeprefix(prefix): stamp for stamp in stamps
              if stamp["id"].startswith(prefix)}
    changed = False
    for name, stamp in sorted(wanted.items()):
        body = json.dumps(stamp, indent=1, ensure_ascii=False) + "\n"
        changed = write_if_changed(folder / name, body.encode()) or changed
    if folder.is_dir():
        for stale in folder.glob("*.json"):
            if stale.name not in wanted:
                stale.unlink()
                changed = True
    return changed


def own_answers(root: Path, out: Path | None, now: float, site) -> list[dict[str, Any]]:
    if out is None and load_manifest(root) is None:
        return []
    found = (answer_of(doc, site) for _slug, doc in live_posts(root, output_dir(root, out), now).values())
    return [answer for answer in found if answer is not None]


def posts_to_pull(root: Path, out: Path | None, now: float) -> dict[str, str]:
    """post id -> slug: what was published (``.fedipress/published.json``, committed, so a
    fresh CI checkout knows it before any build) plus what the last build made live."""
    posts = {post_id: known["slug"] for post_id, known in load_state(root).posts.items()}
    if out is not None or load_manifest(root) is not None:
        posts.update({post_id: slug for post_id, (slug, _doc)
                      in live_posts(root, output_dir(root, out), now).items()})
    return posts


@dataclass
class PullReport:
    posts: int
    with_interactions: int
    replies: int
    followers: int
    changed: bool


def pull_site(root: Path, *, out: Path | None = None, now: float | None = None,
              allow_private: bool = False, client: InboxClient | None = None,
              echo: Callable[[str], None] = lambda line: None) -> PullReport:
    """Fetch every published post's interactions and the followers count into ``data/``."""
    import time

    now = time.time() if now is None else now
    own = client is None
    site = load_site(root)
    client = client or InboxClient(site)
    try:
        posts = posts_to_pull(root, out, now)
        puller = Puller(client, allow_private=allow_private, actor_id=site.actor_id)
        ids = sorted(posts)
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            entries = list(pool.map(puller.post_entry, ids))
        answers = own_answers(root, out, now, client.site)  # the blog's, from the build
        interactions = {posts[i]: with_own_answers(entry, i, answers, thread) if answers else entry
                        for i, entry in zip(ids, entries) if entry}
        followers = puller.followers()
    finally:
        if own:
            client.close()
    data = json.dumps(interactions, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    changed = write_if_changed(root / "data" / "interactions.json", data.encode())
    followers_doc = json.dumps({"followers": followers}, indent=1) + "\n"
    changed = write_if_changed(root / "data" / "followers.json", followers_doc.encode()) or changed
    changed = write_stamps(root, site.base_url, puller.stamps) or changed
    report = PullReport(posts=len(posts), with_interactions=len(interactions),
                        replies=sum(len(e["replies"]) for e in interactions.values()),
                        followers=followers, changed=changed)
    echo(f"pulled {count(report.posts, 'post')}: {count(report.replies, 'reply', 'replies')} on "
         f"{count(report.with_interactions, 'post')}, {count(report.followers, 'follower')}"
         f"{'' if changed else ' (no change)'}")
    return report
