"""Pages made of many posts: the paginated index, tag pages, the Atom feed, the outbox.

Planning is cheap and pure: each page gets a key over exactly the inputs it shows (what its
cards show, or the digests of the documents it embeds, and its position), so the build
renders only pages whose key changed. A plan is plain data (`PageJob`), so a big build can
send the rendering to its worker processes.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
import msgspec

from fedicore import documents
from fedicore.errors import FedipressError
from fedicore.vocab import PUBLIC
from sitegen.config import Site
from sitegen.manifest import PostRecord
from sitegen.output import read_whole, write_if_changed
from sitegen.proofs import signed_outbox_page
from sitegen.render import PostRenderer, json_bytes
from sitegen.theme import View


class Card(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """What a listing shows of one post: small, so it travels cheaply to a worker."""

    slug: str
    title: str | None
    published: str
    updated: str | None
    excerpt_html: str
    tags: list[str]
    content_warning: str | None
    pinned: bool

    @classmethod
    def of(cls, record: PostRecord) -> Card:
        return cls(record.slug, record.title, record.published, record.updated,
                   record.excerpt_html, record.tags, record.content_warning, record.pinned)

    def context(self) -> dict:
        """The ``post`` a card template sees."""
        return View({"slug": self.slug, "title": self.title, "published": self.published,
                     "excerpt_html": self.excerpt_html, "tags": self.tags,
                     "content_warning": self.content_warning, "url": f"/posts/{self.slug}/",
                     "pinned": self.pinned})


class PageJob(msgspec.Struct, array_like=True):
    """One page to render: its kind, a few numbers or names, and the posts it shows."""

    path: str  # relative to the output folder
    key: str  # over every input the page shows
    kind: str  # index | tag | tags | feed | outbox_page | outbox | featured
    params: tuple = ()
    posts: list = []  # PostRecords in the parent, Cards once sent to a worker


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


class Layout:
    """Where every post appears: index pages, tag pages, feed, outbox pages, featured.

    Builds any one page's job on demand, so a rebuild that moved no post can plan just the
    pages showing the posts it re-rendered (`pages_showing`) instead of all of them.
    """

    def __init__(self, site: Site, newest_first: list[PostRecord], global_key: str) -> None:
        config = site.config
        self.newest_first = newest_first
        self.global_key = global_key
        self.per_page = config.posts_per_page
        self.outbox_size = config.outbox_page_size
        self.feed_size = config.feed_size
        self.index_pages = max(1, -(-len(newest_first) // self.per_page))
        self.outbox_pages = max(1, -(-len(newest_first) // self.outbox_size))
        self.followers = load_followers(site.root / "data" / "followers.json")

    def all_pages(self) -> list[PageJob]:
        """Every listing page of the site; renders nothing."""
        newest = self.newest_first
        cards = [p.card for p in newest]  # joined by slices below: C loops, not Python ones
        plans = [self.index_page(n, cards) for n in range(1, self.index_pages + 1)]
        by_tag: defaultdict[str, list[PostRecord]] = defaultdict(list)
        for record in newest:
            for tag in record.tags:
                by_tag[tag].append(record)
        plans += [self.tag_page(tag, posts) for tag, posts in sorted(by_tag.items())]
        plans.append(self.tags_index(by_tag))
        plans.append(self.feed())
        digests = [p.digest for p in reversed(newest)]
        plans += [self.outbox_page(n, digests) for n in range(1, self.outbox_pages + 1)]
        plans += [self.outbox_root(), self.featured()]
        return plans

    def pages_showing(self, changed: list[PostRecord]) -> list[PageJob]:
        """The pages that show any of ``changed``: valid only if no post moved or left."""
        position = {id(p): i for i, p in enumerate(self.newest_first)}
        index_pages, outbox_pages, tags = set(), set(), set()
        total = len(self.newest_first)
        changed = [record for record in changed if id(record) in position]  # drafts: nowhere
        for record in changed:
            at = position[id(record)]
            index_pages.add(at // self.per_page + 1)
            outbox_pages.add((total - 1 - at) // self.outbox_size + 1)
            tags.update(record.tags)
        by_tag: dict[str, list[PostRecord]] = {tag: [] for tag in tags}
        for post in self.newest_first:  # one pass for all the tags concerned
            for tag in post.tags:
                if tag in by_tag:
                    by_tag[tag].append(post)
        index_pages.add(1)  # shows the followers count: its key says if that changed
        plans = [self.index_page(n) for n in sorted(index_pages)]
        plans += [self.tag_page(tag, by_tag[tag]) for tag in sorted(tags)]
        if any(position[id(r)] < self.feed_size for r in changed):
            plans.append(self.feed())
        plans += [self.outbox_page(n) for n in sorted(outbox_pages)]
        if any(r.pinned for r in changed):
            plans.append(self.featured())
        return plans

    def index_page(self, number: int, cards: list[str] | None = None) -> PageJob:
        path = "index.html" if number == 1 else f"page/{number}/index.html"
        start, end = (number - 1) * self.per_page, number * self.per_page
        chunk = self.newest_first[start:end]
        shown = ",".join(cards[start:end] if cards is not None else [p.card for p in chunk])
        followers = self.followers if number == 1 else None
        key = _key(self.global_key, path, self.index_pages, followers, shown)
        return PageJob(path, key, "index", (number, self.index_pages, followers), chunk)

    def tag_page(self, tag: str, posts: list[PostRecord]) -> PageJob:
        path = f"tags/{tag}/index.html"
        return PageJob(path, _key(self.global_key, path, ",".join([p.card for p in posts])),
                       "tag", (tag,), posts)

    def tags_index(self, by_tag: dict[str, list[PostRecord]]) -> PageJob:
        """`/tags/`: every tag with its number of posts (changes only when tags do)."""
        counts = tuple((tag, len(posts)) for tag, posts in sorted(by_tag.items()))
        return PageJob("tags/index.html", _key(self.global_key, "tags", counts), "tags",
                       counts)

    def feed(self) -> PageJob:
        latest = self.newest_first[: self.feed_size]
        return PageJob("feed.xml", _key(self.global_key, "feed",
                                        ",".join([p.digest for p in latest])), "feed",
                       tuple(p.source for p in latest), latest)

    def outbox_page(self, number: int, digests: list[str] | None = None) -> PageJob:
        """Page 1 holds the oldest posts, so old pages never change when new posts come."""
        path = f"ap/outbox/page-{number}.json"
        total = len(self.newest_first)
        start, end = (number - 1) * self.outbox_size, number * self.outbox_size
        chunk = self.newest_first[max(0, total - end):total - start][::-1]  # oldest first
        shown = ",".join(digests[start:end] if digests is not None else [p.digest for p in chunk])
        is_last = number == self.outbox_pages
        return PageJob(path, _key(self.global_key, path, is_last, shown), "outbox_page",
                       (number, is_last), chunk)

    def outbox_root(self) -> PageJob:
        count = len(self.newest_first)
        return PageJob("ap/outbox.json", _key(self.global_key, "outbox", count,
                                              self.outbox_pages),
                       "outbox", (count, self.outbox_pages))

    def featured(self) -> PageJob:
        pinned = [p for p in self.newest_first if p.pinned]
        return PageJob("ap/featured.json",
                       _key(self.global_key, "featured", ",".join([p.digest for p in pinned])),
                       "featured", (), pinned)


def load_followers(path: Path) -> int | None:
    """The count in `data/followers.json` (written by `fedipress pull`), None without one."""
    try:
        data = msgspec.json.decode(path.read_bytes())
    except FileNotFoundError:
        return None
    except msgspec.DecodeError as exc:
        raise FedipressError(f"not valid JSON: {exc}", path=str(path)) from None
    count = data.get("followers") if isinstance(data, dict) else None
    if type(count) is not int or count < 0:
        raise FedipressError('must be {"followers": <count>}', path=str(path))
    return count


def plan_pages(site: Site, newest_first: list[PostRecord], global_key: str) -> list[PageJob]:
    """Every listing page of the site, newest posts first; renders nothing."""
    return Layout(site, newest_first, global_key).all_pages()


def pack_jobs(jobs: Sequence[PageJob]) -> bytes:
    """Jobs as MessagePack with cards for posts: ~10x cheaper to send than pickling records."""
    return msgspec.msgpack.encode([
        PageJob(j.path, j.key, j.kind, j.params,
                [_slug_only(p) for p in j.posts] if j.kind == "outbox_page" else _as_cards(j.posts))
        for j in jobs])


def _slug_only(post: PostRecord | Card) -> Card:
    """An outbox page reads each post's document from disk: it needs only the slug."""
    return Card(post.slug, None, "", None, "", [], None, False)


class _PackedJob(msgspec.Struct, array_like=True):
    """`PageJob` as a worker receives it: the same fields, posts decoded as cards."""

    path: str
    key: str
    kind: str
    params: tuple
    posts: list[Card]


_PACKED = msgspec.msgpack.Decoder(list[_PackedJob])


def unpack_jobs(data: bytes) -> list[PageJob]:
    return [PageJob(j.path, j.key, j.kind, j.params, j.posts) for j in _PACKED.decode(data)]


def render_page(renderer: PostRenderer, job: PageJob) -> bytes:
    """The bytes of one planned page (posts' documents are read from the output folder)."""
    site = renderer.site
    out = renderer.out
    env = renderer.env
    context = renderer.context
    cards = _as_cards
    if job.kind == "index":
        number, total, followers = job.params
        chunk = job.posts
        pagination = {
            "number": number, "total": total,
            "newer": None if number == 1 else ("/" if number == 2 else f"/page/{number - 1}/"),
            "older": f"/page/{number + 1}/" if number < total else None,
        }
        return env.get_template("index.html").render(
            site=context, posts=[c.context() for c in cards(chunk)],
            pagination=pagination, followers=followers).encode()
    if job.kind == "tag":
        return env.get_template("tag.html").render(
            site=context, tag=job.params[0], posts=[c.context() for c in cards(job.posts)]
        ).encode()
    if job.kind == "tags":
        return env.get_template("tags.html").render(
            site=context, tags=[{"name": tag, "count": count} for tag, count in job.params]
        ).encode()
    if job.kind == "feed":
        latest = cards(job.posts)
        entries = [dict(c.context(), document=_document(out, c.slug),
                        content=renderer.feed_html(source))
                   for c, source in zip(latest, job.params)]
        updated = max((c.updated or c.published for c in latest), default="1970-01-01T00:00:00Z")
        return env.get_template("feed.xml").render(site=context, entries=entries,
                                                   updated=updated).encode()
    outbox_id = f"{site.base_url}/ap/outbox.json"
    if job.kind == "outbox_page":
        number, is_last = job.params
        items = [create_item(_document_bytes(out, p.slug)) for p in reversed(job.posts)]
        page = documents.ordered_collection_page(
            _outbox_page_url(site, number), part_of=outbox_id, items=items,
            next=_outbox_page_url(site, number - 1) if number > 1 else None,
            prev=None if is_last else _outbox_page_url(site, number + 1))
        if renderer.proof_key is not None:
            page = signed_outbox_page(site, renderer.proof_key, page)
        return json_bytes(page)
    if job.kind == "outbox":
        count, total_pages = job.params
        return json_bytes(documents.ordered_collection(
            outbox_id, total=count, first=_outbox_page_url(site, total_pages),
            last=_outbox_page_url(site, 1)))
    if job.kind == "featured":
        items = [_without_context(_document(out, p.slug)) for p in job.posts]
        return json_bytes(documents.ordered_collection(
            f"{site.base_url}/ap/featured.json", total=len(items), items=items))
    raise ValueError(f"unknown page kind {job.kind!r}")


def write_pages(renderer: PostRenderer, jobs: Sequence[PageJob], *, atomic: bool = True) -> int:
    """Render and write pages; returns how many files changed."""
    return sum(write_if_changed(renderer.out / job.path, render_page(renderer, job),
                                atomic=atomic)
               for job in jobs)


def write_pages_in_worker(packed: bytes, atomic: bool = True) -> int:
    """Worker process entry point: `write_pages` of `pack_jobs` bytes, this worker's renderer."""
    from sitegen.render import worker_renderer

    return write_pages(worker_renderer(), unpack_jobs(packed), atomic=atomic)


def _as_cards(posts: Sequence[PostRecord | Card]) -> list[Card]:
    return [p if isinstance(p, Card) else Card.of(p) for p in posts]


def _outbox_page_url(site: Site, number: int) -> str:
    return f"{site.base_url}/ap/outbox/page-{number}.json"


class _Head(msgspec.Struct):
    """The fields of a post document its Create activity repeats."""

    id: str
    attributedTo: str  # noqa: N815 (ActivityPub's name)
    published: str
    to: list[str] = msgspec.field(default_factory=lambda: [PUBLIC])
    cc: list[str] = []


_CONTEXT_PREFIX = b'{"@context":' + json_bytes(documents.OBJECT_CONTEXT) + b","


def create_item(doc_bytes: bytes) -> dict:
    """The outbox's Create for a post document, with the document spliced in as raw bytes.

    Same JSON as ``documents.create_activity`` of the decoded document, without decoding and
    re-encoding the whole post (outbox pages embed every post: most of a big build's bytes).
    """
    if not doc_bytes.startswith(_CONTEXT_PREFIX):
        return documents.create_activity(msgspec.json.decode(doc_bytes))
    head = msgspec.json.decode(doc_bytes, type=_Head)
    return {"id": f"{head.id}#create", "type": "Create", "actor": head.attributedTo,
            "published": head.published, "to": head.to, "cc": head.cc,
            "object": msgspec.Raw(b"{" + doc_bytes[len(_CONTEXT_PREFIX):])}


def _document_bytes(out_dir: Path, slug: str) -> bytes:
    return read_whole(f"{out_dir}{os.sep}ap{os.sep}posts{os.sep}{slug}.json")


def _document(out_dir: Path, slug: str) -> dict:
    return msgspec.json.decode(_document_bytes(out_dir, slug))


def _without_context(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "@context"}
