"""The checks behind `fedipress check`: a site's documents looked at the way Mastodon would.

`check_documents` only sees a `fetch(url) -> Fetched` function, so a folder on disk and a live
URL are checked by the same code; the two fetchers and the report live in `sitegen.check`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
MAX_PAGES = 200
MAX_POSTS = 500
#: Mastodon (and others) refuse to read an ActivityPub document larger than this.
MAX_DOCUMENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """What a fetch returned; `headers` keys are lower-case. status 0 = could not connect."""

    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Finding:
    ok: bool
    check: str
    url: str
    message: str


Fetch = Callable[[str], Fetched]


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append({k.lower(): v or "" for k, v in attrs})


def alternate_activity_links(html: str) -> list[str]:
    """The hrefs of `<link rel=alternate type=application/activity+json>` in a page."""
    finder = _LinkFinder()
    finder.feed(html)
    return [link.get("href", "") for link in finder.links
            if "alternate" in link.get("rel", "").lower().split()
            and link.get("type", "").split(";")[0].strip().lower() in (
                "application/activity+json", "application/ld+json")]


def _one_of(value: object, allowed: frozenset[str] | set[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _media(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


class _Checker:
    def __init__(self, fetch: Fetch, base_url: str, check_types: bool) -> None:
        self.fetch = fetch
        self.base = base_url.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.check_types = check_types
        self.findings: list[Finding] = []

    def ok(self, check: str, url: str, message: str) -> None:
        self.findings.append(Finding(True, check, url, message))

    def fail(self, check: str, url: str, message: str) -> None:
        self.findings.append(Finding(False, check, url, message))

    def local(self, url: str) -> bool:
        return urlsplit(url).netloc == self.host

    def get(self, check: str, url: str, media: tuple[str, ...]) -> Fetched | None:
        """Fetch, failing on errors, redirects and (URL mode) a wrong content type."""
        got = self.fetch(url)
        if got.status == 0:
            self.fail(check, url, f"could not fetch: {got.body.decode(errors='replace')}")
            return None
        if 300 <= got.status < 400:
            self.fail(check, url, f"redirects ({got.status}) to {got.headers.get('location')!r};"
                      " Mastodon needs the document at exactly this URL")
            return None
        if got.status != 200:
            self.fail(check, url, f"HTTP {got.status}")
            return None
        if self.check_types and _media(got.headers) not in media:
            self.fail(check, url, f"served as {got.headers.get('content-type')!r}, "
                      f"expected {media[0]}")
            return None
        return got

    def get_json(self, check: str, url: str, media: tuple[str, ...],
                 max_bytes: int | None = None) -> dict | None:
        got = self.get(check, url, media)
        if got is None:
            return None
        if max_bytes is not None and len(got.body) > max_bytes:
            self.fail(check, url, f"{len(got.body) / 1e6:.1f} MB: Mastodon refuses "
                      "ActivityPub documents over 1 MB")
            return None
        try:
            doc = json.loads(got.body)
        except ValueError as exc:
            self.fail(check, url, f"not valid JSON: {exc}")
            return None
        if not isinstance(doc, dict):
            self.fail(check, url, "JSON is not an object")
            return None
        return doc

    def get_ap(self, check: str, url: str) -> dict | None:
        """An ActivityPub document whose `id` must equal the URL it was fetched from."""
        doc = self.get_json(check, url, ("application/activity+json", "application/ld+json"),
                            MAX_DOCUMENT_BYTES)
        if doc is None:
            return None
        if doc.get("id") != url:
            self.fail(check, url, f"id is {doc.get('id')!r} but the document is served at "
                      f"{url!r}; Mastodon rejects the mismatch")
            return None
        return doc


def _webfinger(c: _Checker) -> tuple[str, str] | None:
    """(acct, actor url) from the WebFinger file, also asked the way Mastodon asks."""
    url = f"{c.base}/.well-known/webfinger"
    jrd_types = ("application/jrd+json", "application/json")
    if c.fetch(url).status in (400, 404):  # a host that answers only its own acct: (right)
        known = _acct_from_home(c)
        url = f"{url}?resource=acct:{known}" if known else url
    jrd = c.get_json("webfinger", url, jrd_types)
    if jrd is None:
        return None
    subject = jrd.get("subject")
    if not isinstance(subject, str) or not subject.startswith("acct:") or "@" not in subject:
        c.fail("webfinger", url, f"subject {subject!r} is not acct:user@host")
        return None
    acct = subject.removeprefix("acct:")
    if acct.rsplit("@", 1)[1].lower() != c.host.lower():
        c.fail("webfinger", url, f"subject host in {subject!r} is not the site host {c.host!r}")
        return None
    listed = jrd.get("links")
    selves = [link for link in (listed if isinstance(listed, list) else []) if isinstance(link, dict)
              and link.get("rel") == "self"
              and str(link.get("type", "")).split(";")[0] in ("application/activity+json",
                                                               "application/ld+json")]
    if not selves or not isinstance(selves[0].get("href"), str):
        c.fail("webfinger", url, "no rel=self link of type application/activity+json")
        return None
    actor_url = selves[0]["href"]
    if not c.local(actor_url):
        c.fail("webfinger", url, f"self link {actor_url!r} is not on {c.host}")
        return None
    url = url.split("?")[0]
    asked = f"{url}?resource=acct:{acct}"
    again = c.get_json("webfinger", asked, jrd_types)
    if again is None:
        return None
    if again.get("subject") != subject:
        c.fail("webfinger", asked, "a ?resource= query does not return the same JRD")
        return None
    c.ok("webfinger", asked, f"{subject} -> {actor_url}")
    return acct, actor_url


def _acct_from_home(c: _Checker) -> str | None:
    """user@host from the home page's rel=alternate actor, as a server does with a pasted URL."""
    home = c.fetch(f"{c.base}/")
    links = alternate_activity_links(home.body.decode("utf-8", errors="replace"))
    if home.status != 200 or not links or not c.local(links[0]):
        return None
    actor = c.fetch(links[0])
    try:
        name = json.loads(actor.body).get("preferredUsername")
    except (ValueError, AttributeError):
        return None
    return f"{name}@{c.host}" if isinstance(name, str) and name else None


def _actor(c: _Checker, acct: str, actor_url: str) -> dict | None:
    actor = c.get_ap("actor", actor_url)
    if actor is None:
        return None
    problems = []
    if not _one_of(actor.get("type"), ACTOR_TYPES):
        problems.append(f"type {actor.get('type')!r} is not an actor type")
    if actor.get("preferredUsername") != acct.split("@")[0]:
        problems.append(f"preferredUsername {actor.get('preferredUsername')!r} does not match "
                        f"WebFinger {acct!r}")
    for name in ("inbox", "outbox"):
        if not str(actor.get(name, "")).startswith(("https://", "http://")):
            problems.append(f"{name} is missing or not a URL")
    key = actor.get("publicKey")
    if not isinstance(key, dict):
        problems.append("publicKey is missing")
    else:
        if key.get("owner") != actor_url:
            problems.append(f"publicKey.owner {key.get('owner')!r} is not the actor id")
        if str(key.get("id", "")).split("#")[0] != actor_url:
            problems.append(f"publicKey.id {key.get('id')!r} does not resolve to the actor")
        problems.extend(_key_problems(key.get("publicKeyPem")))
    if problems:
        for problem in problems:
            c.fail("actor", actor_url, problem)
        return None
    c.ok("actor", actor_url, f"{actor['type']} {acct}, key {actor['publicKey']['id']}")
    return actor


def _key_problems(pem: object) -> list[str]:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if not isinstance(pem, str):
        return ["publicKey.publicKeyPem is missing"]
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        return [f"publicKey.publicKeyPem does not parse: {exc}"]
    if isinstance(key, rsa.RSAPublicKey):
        return [] if key.key_size >= 2048 else [f"RSA key is only {key.key_size} bits"]
    if isinstance(key, ed25519.Ed25519PublicKey):
        return []
    return [f"unsupported key type {type(key).__name__}"]


def _collection_items(c: _Checker, check: str, url: str) -> list | None:
    """All items of an OrderedCollection, following `first`/`next` pages."""
    coll = c.get_ap(check, url)
    if coll is None:
        return None
    if not _one_of(coll.get("type"), {"OrderedCollection", "Collection"}):
        c.fail(check, url, f"type {coll.get('type')!r} is not OrderedCollection")
        return None
    total = coll.get("totalItems")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        c.fail(check, url, "totalItems is missing or not a non-negative integer")
        return None
    items = coll.get("orderedItems", coll.get("items", []))
    if not isinstance(items, list):
        c.fail(check, url, "orderedItems is not a list")
        return None
    items = list(items)
    page_url = coll.get("first")
    seen: set[str] = set()
    while isinstance(page_url, str) and len(seen) < MAX_PAGES:
        if page_url in seen:
            c.fail(check, page_url, "page chain loops")
            return None
        seen.add(page_url)
        page = c.get_ap(check, page_url)
        if page is None:
            return None
        if not _one_of(page.get("type"), {"OrderedCollectionPage", "CollectionPage"}):
            c.fail(check, page_url, f"type {page.get('type')!r} is not OrderedCollectionPage")
            return None
        if page.get("partOf") != url:
            c.fail(check, page_url, f"partOf {page.get('partOf')!r} is not {url!r}")
            return None
        if not isinstance(page.get("orderedItems", page.get("items")), list):
            c.fail(check, page_url, "page has no orderedItems list")
            return None
        items.extend(page.get("orderedItems", page.get("items")))
        page_url = page.get("next")
    if len(items) != total:
        c.fail(check, url, f"totalItems is {total} but the pages hold {len(items)} items")
        return None
    c.ok(check, url, f"{total} items in {max(len(seen), 1)} page(s)")
    return items


def _posts_from_outbox(c: _Checker, actor: dict) -> list[dict]:
    items = _collection_items(c, "outbox", actor["outbox"])
    posts = []
    for item in (items or [])[:MAX_POSTS]:
        if not isinstance(item, dict) or item.get("type") != "Create":
            c.fail("outbox", actor["outbox"], f"item {str(item)[:80]!r} is not a Create activity")
            continue
        if item.get("actor") != actor["id"]:
            c.fail("outbox", str(item.get("id")), f"actor {item.get('actor')!r} is not the blog")
            continue
        obj = item.get("object")
        object_id = obj.get("id") if isinstance(obj, dict) else obj
        if not isinstance(object_id, str) or not c.local(object_id):
            c.fail("outbox", str(item.get("id")), f"object id {object_id!r} is not on this site")
            continue
        post = c.get_ap("post", object_id)
        if post is None:
            continue
        if post.get("attributedTo") != actor["id"]:
            c.fail("post", object_id, f"attributedTo {post.get('attributedTo')!r} is not the actor")
            continue
        posts.append(post)
    return posts


def _followers(c: _Checker, actor: dict) -> None:
    """The followers collection (on the inbox, usually another host) must be served as
    ActivityStreams: servers refuse `application/json` there and keep a stale follower count."""
    url = actor.get("followers")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        c.fail("followers", actor["id"], "followers is missing or not a URL")
        return
    if not c.check_types:
        return  # a folder cannot answer for the live inbox; URL mode asks it
    coll = c.get_json("followers", url, ("application/activity+json", "application/ld+json"))
    if coll is None:
        return
    if not _one_of(coll.get("type"), {"OrderedCollection", "Collection"}):
        c.fail("followers", url, f"type {coll.get('type')!r} is not OrderedCollection")
        return
    total = coll.get("totalItems")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        c.fail("followers", url, "totalItems is missing or not a non-negative integer")
        return
    c.ok("followers", url, f"{total} followers, served as ActivityStreams")


def _post_page(c: _Checker, post: dict) -> None:
    """The HTML page links its JSON (`rel=alternate`), and the JSON's `url` is that page."""
    url = post.get("url")
    if isinstance(url, list):
        url = next((u if isinstance(u, str) else u.get("href") for u in url
                    if isinstance(u, (str, dict))), None)
    elif isinstance(url, dict):
        url = url.get("href")
    if not isinstance(url, str) or not c.local(url):
        c.fail("post page", post["id"], f"url {url!r} is not a page on this site")
        return
    got = c.get("post page", url, ("text/html",))
    if got is None:
        return
    links = alternate_activity_links(got.body.decode("utf-8", errors="replace"))
    if post["id"] not in links:
        c.fail("post page", url, f"no <link rel=\"alternate\" type=\"application/activity+json\""
               f" href=\"{post['id']}\"> (found {links or 'none'})")
        return
    c.ok("post page", url, f"links {post['id']} and back")


def _host_meta(c: _Checker) -> None:
    url = f"{c.base}/.well-known/host-meta"
    got = c.get("host-meta", url, ("application/xrd+xml", "application/xml"))
    if got is not None:
        if b"/.well-known/webfinger?resource={uri}" not in got.body:
            c.fail("host-meta", url, "no lrdd template pointing at /.well-known/webfinger")
        else:
            c.ok("host-meta", url, "lrdd template points at WebFinger")


def _nodeinfo(c: _Checker) -> None:
    url = f"{c.base}/.well-known/nodeinfo"
    links = c.get_json("nodeinfo", url, ("application/json",))
    if links is None:
        return
    listed = links.get("links")
    hrefs = [link.get("href") for link in (listed if isinstance(listed, list) else [])
             if isinstance(link, dict)]
    if not hrefs or not isinstance(hrefs[0], str):
        c.fail("nodeinfo", url, "no links[].href")
        return
    doc = c.get_json("nodeinfo", hrefs[0], ("application/json",))
    if doc is None:
        return
    protocols = doc.get("protocols")
    if not isinstance(protocols, list) or "activitypub" not in protocols:
        c.fail("nodeinfo", hrefs[0], "protocols does not list activitypub")
        return
    c.ok("nodeinfo", hrefs[0], f"NodeInfo {doc.get('version')}")


def check_documents(fetch: Fetch, base_url: str, *, check_types: bool = True,
                    negotiate=None) -> list[Finding]:
    """Every finding for the site at `base_url`; any with `ok=False` is a failure.

    ``negotiate(url, accept)`` (a deployed site only) adds the checks of what the host must do
    beyond serving files: content negotiation and WebFinger for the blog's account only."""
    from sitegen.discovery_checks import check_discovery

    c = _Checker(fetch, base_url, check_types)
    found = _webfinger(c)
    if found is not None:
        actor = _actor(c, *found)
        if actor is not None:
            _followers(c, actor)
            post_urls = []
            for post in _posts_from_outbox(c, actor):
                _post_page(c, post)
                if isinstance(post.get("url"), str):
                    post_urls.append(post["url"])
            check_discovery(c, found[0], actor, post_urls, negotiate)
            if isinstance(actor.get("featured"), str) and c.local(actor["featured"]):
                for item in _collection_items(c, "featured", actor["featured"]) or []:
                    item_id = item.get("id") if isinstance(item, dict) else item
                    if isinstance(item_id, str) and c.local(item_id):
                        c.get_ap("featured", item_id)
    _host_meta(c)
    _nodeinfo(c)
    return c.findings
