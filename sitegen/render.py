"""Rendering one post: Markdown -> HTML page + ActivityPub document, written if changed.

A `PostRenderer` holds the Markdown parser, the compiled templates and the site context; each
worker process builds one and reuses it for every post it is given.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import html
import os
import re
from typing import NamedTuple
from pathlib import Path

import msgspec

from fedicore import documents, quotes
from fedicore.errors import FedipressError
from fedicore.html_policy import clean_html, is_http_url, plain_text
from sitegen.config import Site, load_site
from sitegen.manifest import PostRecord, card_hash
from sitegen.markup import Markup, Rendered, shorten
from sitegen.mentions import load_targets, mentions_key
from sitegen.neighbours import Links, Place, page_links
from sitegen.output import read_whole, write_if_changed
from sitegen.posts import (BUNDLE_INDEX, Post, iso, media_type, parse_place, parse_post,
                           rebase_links)
from sitegen.presentation import absolute_urls, present
from sitegen.proofs import load_proof_key, sign_document
from sitegen.theme import View, environment, site_context


class SourceFile(NamedTuple):
    name: str  # inside content/posts/
    mtime_ns: int
    size: int
    links: Links | None = None  # its previous/next links (sitegen.neighbours)


def json_bytes(doc: object) -> bytes:
    """Compact UTF-8 JSON, keys in insertion order (msgspec: several times faster than json)."""
    return msgspec.json.encode(doc)


class PostRenderer:
    def __init__(self, site: Site, out_dir: Path, *, atomic: bool = True,
                 drafts: bool = False, fresh: bool = False) -> None:
        self.site = site
        self.drafts = drafts  # `serve --drafts`: render drafts too, for a preview
        self.out = out_dir
        self.out_prefix = f"{out_dir}{os.sep}"
        self.fresh = fresh  # an empty output folder: pages are created without a look first
        self.atomic = atomic  # replace existing files by rename (see sitegen.output)
        emoji_urls = {code: site.static_url(path) for code, path in site.config.emoji.items()}
        self.emoji_types = {code: media_type(path) or "image/png"
                            for code, path in site.config.emoji.items()}
        self.mention_targets = load_targets(site.root)  # data/mentions.json: no network here
        self.markup = Markup(tag_url=site.tag_url, emoji_urls=emoji_urls,
                             mentions=self.mention_targets)
        self.env = environment(site)
        self.bio = self.markup.render(site.config.bio) if site.config.bio else None
        self.context = site_context(site, self.bio.page_html if self.bio else "")
        self.template = self.env.get_template("post.html")
        self.proof_key = (load_proof_key(site) if site.proof_key_path.exists()
                          else None)  # FEP-8b32 proofs (sitegen.proofs)

    def render(self, source: SourceFile, now: float,
               interactions: dict[str, object]) -> PostRecord:
        """Parse and render ``source``; write its page and document unless draft/future."""
        raw, text, post = self._read(source.name)
        record = PostRecord(
            source=source.name, mtime_ns=source.mtime_ns, size=source.size,
            sha=hashlib.sha256(raw).hexdigest(), slug=post.slug, title=post.title,
            published=iso(post.published), updated=iso(post.updated) if post.updated else None,
            pinned=post.pinned, draft=post.draft, content_warning=post.content_warning,
            slug_line=_slug_line(text), in_reply_to=post.in_reply_to,
        )
        entry = interactions.get(post.slug) or interactions.get(self.site.post_id(post.slug))
        record.interactions = hashlib.sha256(json_bytes(entry)).hexdigest() if entry else ""
        if post.draft and not self.drafts:
            return record
        rendered = self.markup.render(post.body)
        if source.name.endswith(f"/{BUNDLE_INDEX}"):  # its pictures sit beside its page
            rendered = Rendered(rebase_links(rendered.page_html, f"/posts/{post.slug}/"),
                                rebase_links(rendered.ap_html, self.site.post_url(post.slug)),
                                rendered.found)
        found = rendered.found
        record.tags = list(dict.fromkeys([*post.tags, *found.tags]))
        record.mentions = found.handles
        record.mentions_key = mentions_key(found.handles, self.mention_targets)
        record.excerpt_html = self._excerpt(post, rendered.page_html, found.excerpt)
        if post.published.timestamp() > now:
            return record
        document = self.document(post, rendered.ap_html, record.tags, found, entry)
        if post.in_reply_to:  # re-rendered at each build: who it answers comes from a pull
            address_answer(document, answered_author(post.in_reply_to, interactions))
            record.interactions = "answer"
        if self.proof_key is not None:
            document = sign_document(self.site, self.proof_key, document)
        record.links = source.links
        page = self.page(post, rendered.page_html, record, entry)
        doc_bytes = json_bytes(document)
        out = self.out_prefix  # plain strings: pathlib costs more than the write here
        write_if_changed(f"{out}posts/{post.slug}/index.html", page, atomic=self.atomic,
                         fresh=self.fresh)
        write_if_changed(f"{out}ap/posts/{post.slug}.json", doc_bytes, atomic=self.atomic,
                         fresh=self.fresh)
        record.document_size = len(doc_bytes)
        record.card = card_hash(record)
        # what the feed and outbox show of it: not the page's previous/next links
        record.digest = hashlib.sha256(b"%s\n%s\n%s" % (
            record.card.encode(), rendered.page_html.encode(), doc_bytes)).hexdigest()[:32]
        record.written = True
        return record

    def _read(self, name: str) -> tuple[bytes, str, Post]:
        path = self.site.content_dir / name
        raw = read_whole(path)
        shown = f"content/posts/{name}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FedipressError(f"not UTF-8 text ({exc.reason})", path=shown, line=1) from None
        return raw, text, parse_post(text, path=path, static_dir=self.site.static_dir,
                                     shown=shown)

    def place(self, name: str, now: float) -> Place:
        """Where the post sits among the listed ones, from its front matter alone."""
        path = self.site.content_dir / name
        shown = f"content/posts/{name}"
        try:
            text = read_whole(path).decode("utf-8")
        except UnicodeDecodeError:
            self._read(name)  # raises the error the render would
            raise
        slug, title, published, draft, answer = parse_place(
            text, path=path, static_dir=self.site.static_dir, shown=shown)
        listed = (not draft or self.drafts) and not answer and published.timestamp() <= now
        return Place(name, slug, title, iso(published), listed)

    def feed_html(self, source: str) -> str:
        """A published post's whole HTML with absolute URLs, as its feed entry shows it
        (timelines may get a teaser). Made again from the source for the few posts a feed
        shows, instead of each post's render keeping a copy on disk for it."""
        path = self.site.content_dir / source
        post = parse_post(path.read_bytes().decode("utf-8"), path=path,
                          static_dir=self.site.static_dir, shown=f"content/posts/{source}")
        body = self.markup.render(post.body).page_html
        if source.endswith(f"/{BUNDLE_INDEX}"):
            body = rebase_links(body, f"/posts/{post.slug}/")
        return absolute_urls(body, self.site.post_url(post.slug))

    def _excerpt(self, post: Post, page_html: str, first_paragraph: str) -> str:
        if post.title:
            return f"<p>{html.escape(post.summary or shorten(first_paragraph))}</p>"
        return page_html

    def document(self, post: Post, content: str, tags: list[str], found,
                 entry: object = None) -> dict:
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
        url = site.post_url(post.slug)
        shown = present(
            setting=post.object_type or site.config.object_type, title=post.title,
            content_warning=post.content_warning, teaser=post.summary or shorten(found.excerpt),
            content_html=absolute_urls(content, url), url=url, attributed_to=site.actor_id,
            attachments=attachments)
        post_id = site.post_id(post.slug)
        counts = entry if isinstance(entry, dict) else {}
        extra = {"replies": replies_collection(post_id, entry),
                 "likes": counted_collection(f"{post_id}#likes", counts.get("likes")),
                 "shares": counted_collection(f"{post_id}#shares", counts.get("boosts"))}
        if shown.preview:
            extra["preview"] = shown.preview
        info = documents.PostInfo(
            id=site.post_id(post.slug), url=url,
            attributed_to=site.actor_id, followers=site.followers, content_html=shown.content,
            published=iso(post.published), title=shown.name, summary=shown.summary,
            sensitive=shown.sensitive, type=shown.type,
            updated=iso(post.updated) if post.updated else None,
            language=post.language or site.config.language, tags=tag_docs,
            mentions=list(found.mentions.values()), attachments=attachments,
            extra=extra,
            interaction_policy=quotes.interaction_policy(
                post.quote_policy or site.config.quote_policy, actor_id=site.actor_id,
                followers=site.followers),
        )
        document = documents.post_document(info)
        if post.in_reply_to:  # an answer from the blog, in someone's thread
            document["inReplyTo"] = post.in_reply_to
            if not post.to_followers:
                document["cc"] = [c for c in document["cc"] if c != site.followers]
        return document

    def page(self, post: Post, body_html: str, record: PostRecord, entry) -> bytes:
        older, newer = page_links(record.links)
        context = {
            "site": self.context,
            "post": View({
                "slug": post.slug, "title": post.title, "published": record.published,
                "updated": record.updated, "content_warning": post.content_warning,
                "body_html": body_html, "tags": record.tags,
                "url": self.site.post_url(post.slug), "json_url": self.site.post_id(post.slug),
                "language": post.language or self.site.config.language,
                "images": [{"src": f"/{i.url_path}", "alt": i.alt} for i in post.images],
                "description": page_description(post, record),
                "draft": post.draft,
                "older": older, "newer": newer,
            }),
            "interactions": interactions_view(entry),
        }
        return self.template.render(context).encode("utf-8")


def page_description(post: Post, record: PostRecord) -> str:
    """The teaser that link previews show; never the text behind a content warning."""
    if post.content_warning:
        return f"Content warning: {post.content_warning}"
    return html.unescape(re.sub(r"<[^>]+>", "", record.excerpt_html)).strip()[:300]


# --- replies: the pulled data is sanitised again here, whoever wrote the file ---------------

MAX_DEPTH = 6  # as `fedipress pull` caps it: deeper answers stay at this indent on a phone


def answered_author(reply_id: str, interactions: dict[str, object]) -> dict | None:
    """The pulled reply an answer from the blog answers (its author), if it was pulled."""
    for entry in interactions.values():
        for reply in (entry.get("replies") or []) if isinstance(entry, dict) else []:
            if isinstance(reply, dict) and reply.get("id") == reply_id:
                return reply
    return None


def address_answer(document: dict, reply: dict | None) -> None:
    """Address an answer to the person answered: a Mention of their actor and ``cc``."""
    if not reply or not _url(reply.get("author_url")) or reply.get("own"):
        return
    href, name = str(reply["author_url"]), str(reply.get("author_handle") or reply["author_url"])
    # the body's @handle, if any, was guessed by the markup: the pulled actor id replaces it
    guessed = {t.get("href") for t in document["tag"]
               if t.get("type") == "Mention" and str(t.get("name", "")).lower() == name.lower()}
    document["tag"] = [t for t in document["tag"] if t.get("href") not in guessed - {href}]
    document["cc"] = [c for c in document["cc"] if c not in guessed - {href}]
    if href not in document["cc"]:
        document["cc"].append(href)
    if not any(t.get("type") == "Mention" and t.get("href") == href for t in document["tag"]):
        document["tag"].append(documents.mention(name, href))


def interactions_view(entry: object) -> dict | None:
    """A post's entry of `data/interactions.json` as the template shows it, or None.

    Defence in depth: HTML goes through `fedicore.html_policy` again, names become plain
    text, links and avatars must be absolute http(s), times must parse; anything else is
    dropped instead of failing the build. Replies come back nested (``children``)."""
    if not isinstance(entry, dict):
        return None
    replies = [view for view in map(_reply_view, _as_list(entry.get("replies"))) if view]
    likes, boosts = _count(entry.get("likes")), _count(entry.get("boosts"))
    reactions = [r for r in map(_reaction_view, _as_list(entry.get("reactions"))) if r]
    quotes = _count(entry.get("quotes"))
    if not replies and not likes and not boosts and not reactions and not quotes:
        return None
    return {"likes": likes, "boosts": boosts, "reply_count": len(replies), "quotes": quotes,
            "replies": _nest(replies), "reactions": reactions[:FACEPILE],
            "likers": _faces(entry.get("likers")), "boosters": _faces(entry.get("boosters"))}


FACEPILE = 12  # faces shown per kind: the page stays small whatever the counts


def _faces(raw: object) -> list[dict]:
    faces = []
    for face in _as_list(raw):
        if len(faces) == FACEPILE:
            break
        if not isinstance(face, dict) or not _url(face.get("url")):
            continue
        handle = plain_text(face.get("handle"), 200)
        faces.append({"url": face["url"], "avatar": _url(face.get("avatar")),
                      "name": plain_text(face.get("name"), 120) or handle or "Someone",
                      "handle": handle or None})
    return faces


def _reaction_view(raw: object) -> dict | None:
    """An emoji reaction as `{"emoji": "🎉" or ":code:", "count": n, "icon": url?}`."""
    if not isinstance(raw, dict):
        return None
    emoji = plain_text(raw.get("emoji"), 64)
    count = _count(raw.get("count"))
    if not emoji or not count:
        return None
    return {"emoji": emoji, "count": count, "icon": _url(raw.get("icon"))}


def counted_collection(collection_id: str, total: object) -> dict:
    """`likes` / `shares` of a post: Mastodon reads their `totalItems` for its counts."""
    return {"id": collection_id, "type": "Collection", "totalItems": _count(total)}


def replies_collection(post_id: str, entry: object) -> dict:
    """The Note's ``replies``: an inline Collection whose first page lists the approved
    direct replies' ids, so Mastodon needs no further fetch (nested answers belong to the
    ``replies`` of the note they answer)."""
    ids = []
    for raw in _as_list(entry.get("replies") if isinstance(entry, dict) else None):
        if not isinstance(raw, dict) or not is_http_url(raw.get("id")):
            continue
        parent = raw.get("in_reply_to")
        if (parent is None or parent == post_id) and raw.get("depth", 0) in (0, None):
            ids.append(raw["id"])
    ids = list(dict.fromkeys(ids))
    collection_id = f"{post_id}#replies"
    return {"id": collection_id, "type": "Collection", "totalItems": len(ids),
            "first": {"type": "CollectionPage", "partOf": collection_id, "items": ids}}


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _url(value: object) -> str | None:
    return value if is_http_url(value) else None


def _when(value: object) -> str | None:
    """An ISO time as `2024-05-06T10:00:00Z` (a valid `<time datetime>`), or None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reply_view(raw: object) -> dict | None:
    if not isinstance(raw, dict):
        return None
    reply_id = _url(raw.get("id"))
    content = clean_html(raw.get("content_html"))
    if not reply_id and not content.strip():
        return None
    handle = plain_text(raw.get("author_handle"), 200)
    depth = raw.get("depth")
    return {
        "id": reply_id,  # withheld (fedicore.consent): no link that names the author
        "url": None if raw.get("withheld") else _url(raw.get("url")) or reply_id,
        "published": _when(raw.get("published")),
        "author_name": plain_text(raw.get("author_name"), 120) or handle or "Someone",
        "author_handle": handle or None, "author_url": _url(raw.get("author_url")),
        "author_avatar": _url(raw.get("author_avatar")),
        "content_warning": plain_text(raw.get("content_warning"), 500) or None,
        "content_html": content,
        "depth": min(max(depth, 0), MAX_DEPTH) if type(depth) is int else 0,
        "children": [],
    }


def _nest(flat: list[dict]) -> list[dict]:
    """Reading-order replies with ``depth`` -> a tree; a skipped level joins the nearest."""
    roots: list[dict] = []
    open_path: list[dict] = []  # open_path[d]: the latest reply at depth d
    for reply in flat:
        depth = min(reply["depth"], len(open_path))
        del open_path[depth:]
        (open_path[-1]["children"] if open_path else roots).append(reply)
        open_path.append(reply)
        reply["depth"] = depth
    return roots


def _slug_line(text: str) -> int:
    for number, line in enumerate(text.splitlines()[:60], start=1):
        if line.strip().startswith("slug"):
            return number
    return 1


# --- worker process entry points -------------------------------------------------------------

_WORKER: PostRenderer | None = None


def init_worker(root: str, out_dir: str, base_url: str | None, atomic: bool = True,
                drafts: bool = False) -> None:
    """Run once per worker: config, Markdown parser and templates are built here."""
    global _WORKER
    _WORKER = PostRenderer(load_site(Path(root), base_url=base_url), Path(out_dir),
                           atomic=atomic, drafts=drafts)
    gc.freeze()  # parser, templates and config live for the whole build


def inherit_renderer(renderer: PostRenderer) -> None:
    """`init_worker` for a forked worker: the parent's renderer (its parser, compiled templates
    and config) came with the fork, never pickled: nothing to build again."""
    global _WORKER
    _WORKER = renderer
    gc.freeze()


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


def place_chunk(names: list[str], now: float) -> list[Place | str]:
    """`PostRenderer.place` of each post in a worker; errors come back as their message."""
    assert _WORKER is not None, "init_worker was not called"
    results: list[Place | str] = []
    for name in names:
        try:
            results.append(_WORKER.place(name, now))
        except FedipressError as exc:
            results.append(str(exc))
    return results


def published_before(record: PostRecord, now: float) -> bool:
    moment = dt.datetime.fromisoformat(record.published.replace("Z", "+00:00"))
    return moment.timestamp() <= now
