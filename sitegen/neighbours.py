"""Each post's previous/next links, written straight into its page.

The order of posts needs every post's date, so a build first learns where each re-rendered
post sits (`Place`, from its front matter alone), then renders pages knowing their
neighbours. Each record keeps the links its page was rendered with: a post that came, left,
moved or was retitled re-renders only the one or two posts whose links now differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import NamedTuple

from sitegen.manifest import PostRecord

# (older slug, older title, newer slug, newer title); None where there is no such post
Links = tuple[str | None, str | None, str | None, str | None]
NO_LINKS: Links = (None, None, None, None)


class Place(NamedTuple):
    """What fixes a post's position among the listed posts, and what its neighbours show."""

    source: str
    slug: str
    title: str | None
    published: str
    listed: bool  # shown in listings: written, and not an answer to someone


def place_of(record: PostRecord) -> Place:
    return Place(record.source, record.slug, record.title, record.published,
                 record.written and not record.in_reply_to)


_ORDER = attrgetter("published", "slug")  # as the listings order them, newest first


def links_by_source(places: Iterable[Place]) -> dict[str, Links]:
    """The links of every listed post, by source name."""
    listed = sorted([p for p in places if p.listed], key=_ORDER, reverse=True)
    links: dict[str, Links] = {}
    last = len(listed) - 1
    for at, place in enumerate(listed):
        older = listed[at + 1] if at < last else None
        newer = listed[at - 1] if at else None
        links[place.source] = (older.slug if older else None, older.title if older else None,
                               newer.slug if newer else None, newer.title if newer else None)
    return links


def page_links(links: Links | None) -> tuple[dict | None, dict | None]:
    """(older, newer) as the post template sees them: ``{"url", "title"}`` or None."""
    older_slug, older_title, newer_slug, newer_title = links or NO_LINKS
    return (None if older_slug is None else {"url": f"/posts/{older_slug}/",
                                             "title": older_title},
            None if newer_slug is None else {"url": f"/posts/{newer_slug}/",
                                             "title": newer_title})


def with_links(renderer, workers, sources: list, records: dict[str, PostRecord],
               previous: dict[str, PostRecord], now: float) -> list:
    """``sources`` (`SourceFile`s to render) given their links, sorted, with the reused posts
    whose links changed moved from ``records`` to them. ``previous``: the last build's records
    (empty for a full build)."""
    from fedicore.errors import FedipressError
    from sitegen.render import SourceFile

    places = []
    for result in _places(renderer, workers, [s.name for s in sources], now):
        if isinstance(result, str):
            raise FedipressError(result)
        places.append(result)
    kept = _links_kept(places, records, previous)
    if kept is not None:  # nothing came, left, moved or was retitled
        return sorted(s._replace(links=kept[s.name]) for s in sources)
    links = links_by_source([*map(place_of, records.values()), *places])
    sources = list(sources)
    for name in [n for n, r in records.items() if r.written and not r.in_reply_to
                 and r.links != links.get(n)]:
        record = records.pop(name)
        sources.append(SourceFile(name, record.mtime_ns, record.size))
    return sorted(s._replace(links=links.get(s.name)) for s in sources)


def _links_kept(places: list[Place], records: dict[str, PostRecord],
                previous: dict[str, PostRecord]) -> dict[str, Links | None] | None:
    """Each placed post's links from the last build, if no post came, left or changed place
    or title (an edited body, the usual rebuild): no need to order every post again."""
    if len(places) + len(records) != len(previous):
        return None
    kept: dict[str, Links | None] = {}
    for place in places:
        old = previous.get(place.source)
        if old is None or place_of(old) != place or (place.listed and old.links is None):
            return None
        kept[place.source] = old.links if place.listed else None
    return kept


def _places(renderer, workers, names: list[str], now: float):
    """`Place` (or an error message) of each post, on the workers when many."""
    from sitegen.build import PARALLEL_THRESHOLD
    from sitegen.render import place_chunk

    if not workers.worth_it(len(names), PARALLEL_THRESHOLD):
        from fedicore.errors import FedipressError

        for name in names:
            try:
                yield renderer.place(name, now)
            except FedipressError as exc:
                yield str(exc)
        return
    size = max(50, len(names) // (workers.count * 4))
    chunks = [names[i:i + size] for i in range(0, len(names), size)]
    for placed in workers.pool().map(place_chunk, chunks, [now] * len(chunks)):
        yield from placed
