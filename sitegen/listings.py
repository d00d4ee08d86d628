"""Pages made of many posts: the paginated index, tag pages, the Atom feed, the outbox.

Planning is cheap and pure: each page gets a key over exactly the inputs it shows (what its
cards show, or the digests of the documents it embeds, and its position), so the build
renders only pages whose key changed. A plan is plain data (`PageJob`), so a big build can
send the rendering to its worker processes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
import msgspec

from fedicore import documents
from fedicore.vocab import PUBLIC
from sitegen.config import Site
from sitegen.manifest import PostRecord
from sitegen.output import write_if_changed
from sitegen.render import PostRenderer, json_bytes


class Card(msgspec.Struct, array_like=True, frozen=True):
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
        return {"slug": self.slug, "title": self.title, "published": self.published,
                "excerpt_html": self.excerpt_html, "tags": self.tags,
                "content_warning": self.content_warning, "url": f"/posts/{self.slug}/",
                "pinned": self.pinned}


class PageJob(msgspec.Struct, array_like=True):
    """One page to render: its kind, a few numbers or names, and the posts it shows."""

    path: str  # relative to the output folder
    key: str  # over every input the page shows
    kind: str  # index | tag | feed | outbox_page | outbox | featured
    params: tuple = ()
    posts: list = []  # PostRecords in the parent, Cards once sent to a worker


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [items[:0]]


def plan_pages(site: Site, newest_first: list[PostRecord], global_key: str) -> list[PageJob]:
    """Every listing page of the site, newest posts first; renders nothing."""
    config = site.config
    plans: list[PageJob] = []

    pages = _chunks(newest_first, config.posts_per_page)
    for number, chunk in enumerate(pages, start=1):
        path = "index.html" if number == 1 else f"page/{number}/index.html"
        key = _key(global_key, path, len(pages), ",".join(p.card for p in chunk))
        plans.append(PageJob(path, key, "index", (number, len(pages)), chunk))

    by_tag: dict[str, list[PostRecord]] = {}
    for record in newest_first:
        for tag in record.tags:
            by_tag.setdefault(tag, []).append(record)
    for tag, posts in sorted(by_tag.items()):
        path = f"tags/{tag}/index.html"
        key = _key(global_key, path, ",".join(p.card for p in posts))
        plans.append(PageJob(path, key, "tag", (tag,), posts))

    latest = newest_first[: config.feed_size]
    plans.append(PageJob("feed.xml", _key(global_key, "feed", ",".join(p.digest for p in latest)),
                         "feed", (), latest))

    outbox_pages = _chunks(newest_first[::-1], config.outbox_page_size)
    total_pages = len(outbox_pages)
    for number, chunk in enumerate(outbox_pages, start=1):
        path = f"ap/outbox/page-{number}.json"
        is_last = number == total_pages
        key = _key(global_key, path, is_last, ",".join(p.digest for p in chunk))
        plans.append(PageJob(path, key, "outbox_page", (number, is_last), chunk))
    plans.append(PageJob("ap/outbox.json", _key(global_key, "outbox", len(newest_first),
                                                total_pages),
                         "outbox", (len(newest_first), total_pages)))

    pinned = [p for p in newest_first if p.pinned]
    plans.append(PageJob("ap/featured.json",
                         _key(global_key, "featured", ",".join(p.digest for p in pinned)),
                         "featured", (), pinned))
    return plans


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
        number, total = job.params
        chunk = job.posts
        pagination = {
            "number": number, "total": total,
            "newer": None if number == 1 else ("/" if number == 2 else f"/page/{number - 1}/"),
            "older": f"/page/{number + 1}/" if number < total else None,
        }
        return env.get_template("index.html").render(
            site=context, posts=[c.context() for c in cards(chunk)],
            pagination=pagination).encode()
    if job.kind == "tag":
        return env.get_template("tag.html").render(
            site=context, tag=job.params[0], posts=[c.context() for c in cards(job.posts)]
        ).encode()
    if job.kind == "feed":
        latest = cards(job.posts)
        entries = [dict(c.context(), document=_document(out, c.slug)) for c in latest]
        updated = max((c.updated or c.published for c in latest), default="1970-01-01T00:00:00Z")
        return env.get_template("feed.xml").render(site=context, entries=entries,
                                                   updated=updated).encode()
    outbox_id = f"{site.base_url}/ap/outbox.json"
    if job.kind == "outbox_page":
        number, is_last = job.params
        items = [create_item(_document_bytes(out, p.slug)) for p in reversed(job.posts)]
        return json_bytes(documents.ordered_collection_page(
            _outbox_page_url(site, number), part_of=outbox_id, items=items,
            next=_outbox_page_url(site, number - 1) if number > 1 else None,
            prev=None if is_last else _outbox_page_url(site, number + 1)))
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


def write_pages(renderer: PostRenderer, jobs: Sequence[PageJob]) -> int:
    """Render and write pages; returns how many files changed."""
    return sum(write_if_changed(renderer.out / job.path, render_page(renderer, job))
               for job in jobs)


def write_pages_in_worker(packed: bytes) -> int:
    """Worker process entry point: `write_pages` of `pack_jobs` bytes, this worker's renderer."""
    from sitegen.render import worker_renderer

    return write_pages(worker_renderer(), unpack_jobs(packed))


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
    return (out_dir / "ap" / "posts" / f"{slug}.json").read_bytes()


def _document(out_dir: Path, slug: str) -> dict:
    return msgspec.json.decode(_document_bytes(out_dir, slug))


def _without_context(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "@context"}
