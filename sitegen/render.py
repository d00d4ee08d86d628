"""Rendering one post: Markdown -> HTML page + ActivityPub document, written if changed.

A `PostRenderer` holds the Markdown parser, the compiled templates and the site context; each
worker process builds one and reuses it for every post it is given.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import html
from typing import NamedTuple
from pathlib import Path

import msgspec

from fedicore import documents
from fedicore.errors import FedipressError
from sitegen.config import Site, load_site
from sitegen.manifest import PostRecord, card_hash
from sitegen.markup import Markup, shorten
from sitegen.output import write_if_changed
from sitegen.posts import Post, iso, media_type, parse_post
from sitegen.theme import environment, site_context


class SourceFile(NamedTuple):
    name: str  # inside content/posts/
    mtime_ns: int
    size: int


def json_bytes(doc: object) -> bytes:
    """Compact UTF-8 JSON, keys in insertion order (msgspec: several times faster than json)."""
    return msgspec.json.encode(doc)


class PostRenderer:
    def __init__(self, site: Site, out_dir: Path, *, atomic: bool = True) -> None:
        self.site = site
        self.out = out_dir
        self.atomic = atomic  # replace existing files by rename (see sitegen.output)
        emoji_urls = {code: site.static_url(path) for code, path in site.config.emoji.items()}
        self.emoji_types = {code: media_type(path) or "image/png"
                            for code, path in site.config.emoji.items()}
        self.markup = Markup(tag_url=site.tag_url, emoji_urls=emoji_urls)
        self.env = environment(site)
        self.bio = self.markup.render(site.config.bio) if site.config.bio else None
        self.context = site_context(site, self.bio.page_html if self.bio else "")
        self.template = self.env.get_template("post.html")

    def render(self, source: SourceFile, now: float,
               interactions: dict[str, object]) -> PostRecord:
        """Parse and render ``source``; write its page and document unless draft/future."""
        path = self.site.content_dir / source.name
        raw = path.read_bytes()
        shown = f"content/posts/{source.name}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FedipressError(f"not UTF-8 text ({exc.reason})", path=shown, line=1) from None
        post = parse_post(text, path=path, static_dir=self.site.static_dir, shown=shown)
        record = PostRecord(
            source=source.name, mtime_ns=source.mtime_ns, size=source.size,
            sha=hashlib.sha256(raw).hexdigest(), slug=post.slug, title=post.title,
            published=iso(post.published), updated=iso(post.updated) if post.updated else None,
            pinned=post.pinned, draft=post.draft, content_warning=post.content_warning,
            slug_line=_slug_line(text),
        )
        entry = interactions.get(post.slug) or interactions.get(self.site.post_id(post.slug))
        record.interactions = hashlib.sha256(json_bytes(entry)).hexdigest() if entry else ""
        if post.draft:
            return record
        rendered = self.markup.render(post.body)
        found = rendered.found
        record.tags = list(dict.fromkeys([*post.tags, *found.tags]))
        record.excerpt_html = self._excerpt(post, rendered.page_html, found.excerpt)
        if post.published.timestamp() > now:
            return record
        document = self.document(post, rendered.ap_html, record.tags, found)
        page = self.page(post, rendered.page_html, record, entry)
        doc_bytes = json_bytes(document)
        write_if_changed(self.out / "posts" / post.slug / "index.html", page, atomic=self.atomic)
        write_if_changed(self.out / "ap" / "posts" / f"{post.slug}.json", doc_bytes,
                         atomic=self.atomic)
        record.digest = hashlib.sha256(page + doc_bytes).hexdigest()[:32]
        record.card = card_hash(record)
        record.written = True
        return record

    def _excerpt(self, post: Post, page_html: str, first_paragraph: str) -> str:
        if post.title:
            return f"<p>{html.escape(post.summary or shorten(first_paragraph))}</p>"
        return page_html

    def document(self, post: Post, content: str, tags: list[str], found) -> dict:
        site = self.site
        tag_docs = [documents.hashtag(t, site.tag_url(t)) for t in tags]
        tag_docs += [documents.mention(h, href) for h, href in found.mentions.items()]
        tag_docs += [documents.emoji(code, site.static_url(site.config.emoji[code]),
                                     self.emoji_types[code]) for code in found.emoji]
        attachments = [
            {"type": "Image" if image.media_type.startswith("image/") else "Document",
             "mediaType": image.media_type, "url": site.static_url(image.url_path),
             "name": image.alt}
            for image in post.images
        ]
        # Mastodon shows any `summary` as a content warning, so only a CW goes there; an
        # article's description stays on the HTML page and in listings.
        summary = post.content_warning
        info = documents.PostInfo(
            id=site.post_id(post.slug), url=site.post_url(post.slug),
            attributed_to=site.actor_id, followers=site.followers, content_html=content,
            published=iso(post.published), title=post.title, summary=summary,
            sensitive=post.content_warning is not None,
            updated=iso(post.updated) if post.updated else None,
            language=post.language or site.config.language, tags=tag_docs,
            mentions=list(found.mentions.values()), attachments=attachments,
        )
        return documents.post_document(info)

    def page(self, post: Post, body_html: str, record: PostRecord, entry) -> bytes:
        context = {
            "site": self.context,
            "post": {
                "slug": post.slug, "title": post.title, "published": record.published,
                "updated": record.updated, "content_warning": post.content_warning,
                "body_html": body_html, "tags": record.tags,
                "url": self.site.post_url(post.slug), "json_url": self.site.post_id(post.slug),
                "language": post.language or self.site.config.language,
                "images": [{"src": f"/{i.url_path}", "alt": i.alt} for i in post.images],
            },
            "interactions": entry,
        }
        return self.template.render(context).encode("utf-8")


def _slug_line(text: str) -> int:
    for number, line in enumerate(text.splitlines()[:60], start=1):
        if line.strip().startswith("slug"):
            return number
    return 1


# --- worker process entry points -------------------------------------------------------------

_WORKER: PostRenderer | None = None


def init_worker(root: str, out_dir: str, base_url: str | None, atomic: bool = True) -> None:
    """Run once per worker: config, Markdown parser and templates are built here."""
    global _WORKER
    _WORKER = PostRenderer(load_site(Path(root), base_url=base_url), Path(out_dir),
                           atomic=atomic)
    gc.freeze()  # parser, templates and config live for the whole build


def worker_renderer() -> PostRenderer:
    """This worker's renderer (made by `init_worker`)."""
    assert _WORKER is not None, "init_worker was not called"
    return _WORKER


def render_chunk(chunk: list[SourceFile], now: float,
                 interactions: dict) -> list[PostRecord | str]:
    """Render a chunk in a worker; errors come back as their one-line message."""
    assert _WORKER is not None, "init_worker was not called"
    results: list[PostRecord | str] = []
    for source in chunk:
        try:
            results.append(_WORKER.render(source, now, interactions))
        except FedipressError as exc:
            results.append(str(exc))
    return results


def published_before(record: PostRecord, now: float) -> bool:
    moment = dt.datetime.fromisoformat(record.published.replace("Z", "+00:00"))
    return moment.timestamp() <= now
