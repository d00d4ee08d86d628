"""Pages made of many posts: the paginated index, tag pages, the Atom feed, the outbox.

Each page is planned with a key over exactly the inputs it shows (the digests of its posts,
its position); the build renders only pages whose key changed since the last build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from fedicore import documents
from sitegen.manifest import PostRecord
from sitegen.render import PostRenderer, json_bytes


@dataclass(frozen=True)
class PagePlan:
    path: str  # relative to the output folder
    key: str
    render: Callable[[], bytes]


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _digests(posts: Sequence[PostRecord]) -> str:
    """Everything about these posts (for pages that embed whole documents)."""
    return ",".join(p.digest for p in posts)


def _cards(posts: Sequence[PostRecord]) -> str:
    """Only what a listing card shows, so editing a post's body leaves listings alone."""
    return ",".join(p.card for p in posts)


def _card(record: PostRecord) -> dict:
    return {
        "slug": record.slug, "title": record.title, "published": record.published,
        "excerpt_html": record.excerpt_html, "tags": record.tags,
        "content_warning": record.content_warning, "url": f"/posts/{record.slug}/",
        "pinned": record.pinned,
    }


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [items[:0]]


def plan_pages(renderer: PostRenderer, newest_first: list[PostRecord], global_key: str,
               out_dir: Path) -> list[PagePlan]:
    """Every listing page of the site, newest posts first."""
    site = renderer.site
    config = site.config
    env = renderer.env
    context = renderer.context
    plans: list[PagePlan] = []

    pages = _chunks(newest_first, config.posts_per_page)
    for number, chunk in enumerate(pages, start=1):
        path = "index.html" if number == 1 else f"page/{number}/index.html"

        def render(chunk=chunk, number=number) -> bytes:
            pagination = {
                "number": number, "total": len(pages),
                "newer": None if number == 1 else ("/" if number == 2 else f"/page/{number - 1}/"),
                "older": f"/page/{number + 1}/" if number < len(pages) else None,
            }
            return env.get_template("index.html").render(
                site=context, posts=[_card(p) for p in chunk], pagination=pagination).encode()

        plans.append(PagePlan(path, _key(global_key, path, len(pages), _cards(chunk)), render))

    by_tag: dict[str, list[PostRecord]] = {}
    for record in newest_first:
        for tag in record.tags:
            by_tag.setdefault(tag, []).append(record)
    for tag, posts in sorted(by_tag.items()):
        path = f"tags/{tag}/index.html"

        def render_tag(tag=tag, posts=posts) -> bytes:
            return env.get_template("tag.html").render(site=context, tag=tag,
                                       posts=[_card(p) for p in posts]).encode()

        plans.append(PagePlan(path, _key(global_key, path, _cards(posts)), render_tag))

    latest = newest_first[: config.feed_size]

    def render_feed() -> bytes:
        entries = [dict(_card(p), document=_document(out_dir, p.slug)) for p in latest]
        updated = max((p.updated or p.published for p in latest), default="1970-01-01T00:00:00Z")
        return env.get_template("feed.xml").render(site=context, entries=entries,
                                                   updated=updated).encode()

    plans.append(PagePlan("feed.xml", _key(global_key, "feed", _digests(latest)), render_feed))

    oldest_first = newest_first[::-1]
    outbox_pages = _chunks(oldest_first, config.outbox_page_size)
    total_pages = len(outbox_pages)
    outbox_id = f"{site.base_url}/ap/outbox.json"

    def page_url(n: int) -> str:
        return f"{site.base_url}/ap/outbox/page-{n}.json"

    for number, chunk in enumerate(outbox_pages, start=1):
        path = f"ap/outbox/page-{number}.json"
        is_last = number == total_pages

        def render_outbox(chunk=chunk, number=number, is_last=is_last) -> bytes:
            items = [documents.create_activity(_document(out_dir, p.slug)) for p in chunk[::-1]]
            doc = documents.ordered_collection_page(
                page_url(number), part_of=outbox_id, items=items,
                next=page_url(number - 1) if number > 1 else None,
                prev=None if is_last else page_url(number + 1))
            return json_bytes(doc)

        plans.append(PagePlan(path, _key(global_key, path, is_last, _digests(chunk)),
                              render_outbox))

    def render_outbox_root() -> bytes:
        return json_bytes(documents.ordered_collection(
            outbox_id, total=len(newest_first), first=page_url(total_pages), last=page_url(1)))

    plans.append(PagePlan("ap/outbox.json", _key(global_key, "outbox", len(newest_first),
                                                 total_pages), render_outbox_root))

    pinned = [p for p in newest_first if p.pinned]

    def render_featured() -> bytes:
        items = [_without_context(_document(out_dir, p.slug)) for p in pinned]
        return json_bytes(documents.ordered_collection(
            f"{site.base_url}/ap/featured.json", total=len(items), items=items))

    plans.append(PagePlan("ap/featured.json", _key(global_key, "featured", _digests(pinned)),
                          render_featured))
    return plans


def _document(out_dir: Path, slug: str) -> dict:
    return msgspec.json.decode((out_dir / "ap" / "posts" / f"{slug}.json").read_bytes())


def _without_context(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "@context"}
