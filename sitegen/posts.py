"""A post file: TOML front matter between `+++` lines, then Markdown.

Parsing here is cheap and pure apart from checking that referenced images exist, so the
build can run it in worker processes. Every mistake is a ``FedipressError`` at ``file:line``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec

from fedicore.config import line_of_key, load_toml_text
from fedicore.errors import FedipressError
from sitegen.simple_front import read_simple

FENCE = "+++"
BUNDLE_INDEX = "index.md"  # a page bundle: content/posts/<slug>/index.md and its files
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
_TAG = re.compile(r"^\w+$")


class ImageRef(msgspec.Struct, forbid_unknown_fields=True):
    src: str
    alt: str


class FrontMatter(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    title: str | None = None
    date: Any = None
    updated: Any = None
    tags: list[str] = []
    content_warning: str | None = None
    summary: str | None = None
    draft: bool = False
    language: str | None = None
    pinned: bool = False
    images: list[ImageRef] = []
    slug: str | None = None
    quote_policy: Literal["public", "followers", "nobody"] | None = None  # else the site's
    object_type: Literal["auto", "note", "article"] | None = None
    minor_edit: bool = False
    in_reply_to: str | None = None  # an answer from the blog (docs/social-loop.md)
    to_followers: bool = True  # an answer: also to the blog's followers, or only the thread


@dataclass(frozen=True)
class Image:
    url_path: str  # relative to the site root URL
    alt: str
    media_type: str


@dataclass(frozen=True)
class Post:
    """A parsed post, before Markdown is rendered."""

    source: str  # path as shown in errors
    slug: str
    title: str | None
    published: dt.datetime
    updated: dt.datetime | None
    tags: tuple[str, ...]
    content_warning: str | None
    summary: str | None
    draft: bool
    language: str | None
    pinned: bool
    images: tuple[Image, ...]
    body: str = field(repr=False)
    quote_policy: str | None = None  # who may quote it; None: the site's `quote_policy`
    object_type: str | None = None  # overrides the site's `object_type`
    minor_edit: bool = False  # a typo fix: `publish` sends no Update for it
    in_reply_to: str | None = None
    to_followers: bool = True


def parse_post(text: str, *, path: Path, static_dir: Path, shown: str | None = None) -> Post:
    """Split and check a post file; ``shown`` is the path used in error messages."""
    where = shown or str(path)
    front, body, offset = split_front_matter(text, where)
    meta = _front_matter(front, where, offset)

    def fail(reason: str, *keys: str) -> FedipressError:
        line = line_of_key(front, list(keys)) if keys else None
        return FedipressError(reason, path=where, line=(line + offset) if line else 1)

    if meta.date is None:
        raise fail("front matter needs a date, e.g. date = 2024-05-01T10:00:00Z")
    published = parse_date(meta.date, lambda r: fail(r, "date"))
    updated = parse_date(meta.updated, lambda r: fail(r, "updated")) if meta.updated else None
    slug = meta.slug if meta.slug is not None else slug_from_filename(path)
    if not _SLUG.match(slug):
        raise fail(f"slug {slug!r} must be lower-case letters, digits and -", "slug")
    tags = []
    for tag in meta.tags:
        name = tag.lstrip("#").lower()
        if not _TAG.match(name):
            raise fail(f"tag {tag!r} must be letters, digits or _ only", "tags")
        tags.append(name)
    images = []
    bundle = path.parent if path.name == BUNDLE_INDEX else None
    for image in meta.images:
        relative = image.src.lstrip("/")
        if ".." in Path(relative).parts:
            raise fail(f"image {image.src!r} must not use ..", "images")
        if bundle is not None and relative == image.src and (bundle / relative).is_file():
            url_path = f"posts/{slug}/{relative}"  # beside index.md: copied beside the page
        elif (static_dir / relative).is_file():
            url_path = relative
        else:
            where_not = "beside index.md or under static/" if bundle else "under static/"
            raise fail(f"image {image.src!r} not found {where_not}", "images")
        if not image.alt.strip():
            raise fail(f"image {image.src!r} needs alt text", "images")
        media = media_type(relative) or "application/octet-stream"
        images.append(Image(url_path, image.alt.strip(), media))
    if not meta.draft and not body.strip() and not images:
        raise FedipressError("the post is empty: write its text below the closing +++ "
                             "(or set draft = true)", path=where,
                             line=offset + front.count("\n") + 2)
    return Post(
        source=where, slug=slug, title=meta.title or None, published=published, updated=updated,
        tags=tuple(dict.fromkeys(tags)), content_warning=meta.content_warning or None,
        summary=meta.summary or None, draft=meta.draft, language=meta.language,
        pinned=meta.pinned, images=tuple(images), body=body, quote_policy=meta.quote_policy,
        object_type=meta.object_type,
        minor_edit=meta.minor_edit,
        in_reply_to=_reply_target(meta.in_reply_to, fail), to_followers=meta.to_followers,
    )


def parse_place(text: str, *, path: Path, static_dir: Path, shown: str | None = None
                ) -> tuple[str, str | None, dt.datetime, bool, bool]:
    """(slug, title, published, draft, is an answer) as `parse_post` finds them, from the
    front matter alone (no image or tag checks: a build orders posts before rendering them).
    A mistake in those fields is `parse_post`'s own error."""
    where = shown or str(path)
    try:
        front, _body, offset = split_front_matter(text, where)
        meta = _front_matter(front, where, offset)
        if meta.date is None:
            raise ValueError("no date")
        published = parse_date(meta.date, ValueError)
        slug = meta.slug if meta.slug is not None else slug_from_filename(path)
        if not _SLUG.match(slug):
            raise ValueError(slug)
    except (FedipressError, ValueError):
        post = parse_post(text, path=path, static_dir=static_dir, shown=shown)  # says why
        return post.slug, post.title, post.published, post.draft, bool(post.in_reply_to)
    return slug, meta.title or None, published, meta.draft, meta.in_reply_to is not None


_FIELDS = frozenset(FrontMatter.__struct_fields__)


def _front_matter(front: str, where: str, offset: int) -> FrontMatter:
    """The front matter read the quick way when it is written simply, else by the TOML parser
    (whose errors name the line)."""
    simple = read_simple(front, _FIELDS)
    if simple is not None:
        try:
            return msgspec.convert(simple, FrontMatter, strict=True)
        except msgspec.ValidationError:
            pass  # the parser's conversion says what is wrong, at its line
    return load_toml_text(front, FrontMatter, path=where, line_offset=offset)


def _reply_target(value: str | None, fail) -> str | None:
    if value is None:
        return None
    if not re.match(r"^https?://[^\s/]+", value.strip()):
        raise fail(f"in_reply_to {value!r} must be the http(s) URL of a reply or post",
                   "in_reply_to")
    return value.strip()


#: Media types of files people attach to posts; `mimetypes` (which reads the system's tables,
#: ~8 ms on first use) is asked only about anything else.
MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".avif": "image/avif", ".svg": "image/svg+xml",
    ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
    ".pdf": "application/pdf",
}


def media_type(path: str) -> str | None:
    """The media type of a file name, from its extension."""
    dot = path.rfind(".")
    known = MEDIA_TYPES.get(path[dot:].lower()) if dot >= 0 else None
    if known is not None:
        return known
    import mimetypes

    return mimetypes.guess_type(path)[0]


def split_front_matter(text: str, where: str) -> tuple[str, str, int]:
    """Return (front matter TOML, Markdown body, line offset of the TOML)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")  # Windows editors' CRLF
    first, _, rest = text.partition("\n")
    if first.strip() == "---":
        raise FedipressError("YAML front matter is not supported; put TOML between +++ lines",
                              path=where, line=1)
    if first.strip() != FENCE:
        raise FedipressError("a post must start with +++ front matter (title, date ...)",
                             path=where, line=1)
    start = 0  # line by line up to the closing fence only: the body is not split
    while True:
        end = rest.find("\n", start)
        if (rest[start:] if end < 0 else rest[start:end]).strip() == FENCE:
            return rest[:max(start - 1, 0)], "" if end < 0 else rest[end + 1:], 1
        if end < 0:
            break
        start = end + 1
    raise FedipressError("front matter is not closed by a +++ line", path=where, line=1)


def parse_date(value: object, fail) -> dt.datetime:
    """TOML datetimes, dates or ISO strings; naive times are UTC."""
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.date):
        found = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            found = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise fail(f"bad date {value!r}: use 2024-05-01 or 2024-05-01T10:00:00Z") from None
    else:
        raise fail(f"bad date {value!r}: use 2024-05-01 or 2024-05-01T10:00:00Z")
    if found.tzinfo is None:
        found = found.replace(tzinfo=dt.timezone.utc)
    return found.astimezone(dt.timezone.utc)


_RELATIVE_LINK = re.compile(
    r'(<(?:img|a|source|video|audio)\b[^>]*?\s(?:src|href|poster)=")'
    r'(?![A-Za-z][A-Za-z0-9+.-]*:|/|#|\?)([^"]*)"')


def rebase_links(html: str, base: str) -> str:
    """Relative `src`/`href` in a page bundle's HTML made to start with ``base`` (the post's
    folder), so they work in listings and, absolute, in the ActivityPub document."""
    if 'src="' not in html and 'href="' not in html:
        return html
    return _RELATIVE_LINK.sub(lambda m: f'{m.group(1)}{base}{m.group(2)}"', html)


def slug_from_filename(path: Path) -> str:
    """`café.md` -> `cafe`; a page bundle `x/index.md` takes its folder's name."""
    stem = path.parent.name if path.name == BUNDLE_INDEX else path.stem
    return slugify(stem) or "post"


SLUG_LENGTH = 80


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by `-`: `Café` -> `cafe`, `Ελληνικά` -> `ellinika`,
    `日本語` -> `ribenyu` (anyascii's transliteration); "" when nothing is left."""
    if not text.isascii():
        from anyascii import anyascii  # ISC licence, no dependencies, every script

        text = anyascii(text)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > SLUG_LENGTH:
        slug = slug[:SLUG_LENGTH].rsplit("-", 1)[0] if "-" in slug[:SLUG_LENGTH] \
            else slug[:SLUG_LENGTH]
    return slug


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
