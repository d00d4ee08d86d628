"""What shape a post takes on the wire, so that each renderer shows it well.

Pure: from a post's title, content warning, teaser and (absolute) HTML to the fields of its
document. The facts this rests on (read from the renderers' code; the table in
docs/interop.md says what a reader sees for each form):

- Mastodon renders a non-`Note` (`Article`, `Page`) as `<h2>name</h2>`, `summary` and the
  `url`, never its `content`, and gives it no content warning; a `Note` shows `content`, with
  `summary` as a fold.
- GoToSocial folds every post behind `summary`, else behind `name`.
- Misskey folds behind `summary` and ignores `name` outside polls.

So a post that must read unfolded carries neither `name` nor `summary`; a content warning is a
`Note` with `summary` + `sensitive` (the one form all three fold).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin

OBJECT_TYPES = ("auto", "note", "article")
#: Longer than this (plain text characters) and `auto` sends a teaser: Mastodon's own limit.
LONG_POST_CHARS = 500

_ATTRIBUTE = re.compile(r'(?P<lead>\s(?:href|src)=")(?P<value>[^"]*)(?P<end>")')
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Presentation:
    type: str  # Note | Article
    content: str
    name: str | None = None
    summary: str | None = None
    sensitive: bool = False
    preview: dict | None = None


def absolute_urls(fragment: str, page_url: str) -> str:
    """`href`/`src` in rendered HTML made absolute against the page they appear on.

    Only attributes as the Markdown renderer writes them (double-quoted, escaped) are touched;
    URLs with a scheme (`https:`, `mailto:`) stay as they are."""

    origin = _origin(page_url)

    def fix(match: re.Match) -> str:
        value = match["value"]
        if "&" in value:
            value = html.unescape(value)
        if origin and _PLAIN_ROOT_PATH.fullmatch(value):
            fixed = origin + value
        elif _PLAIN_ABSOLUTE.fullmatch(value):
            return match[0]  # what urljoin would give back
        else:
            fixed = urljoin(page_url, value)
        if fixed == value:
            return match[0]
        return f"{match['lead']}{html.escape(fixed, quote=True)}{match['end']}"

    return _ATTRIBUTE.sub(fix, fragment)


# A path from the site's root that `urljoin` would only prefix with the origin: no dot
# segments or empty segments to resolve, no whitespace or control characters to strip, no
# `;params` or empty query/fragment that `urlunparse` would rewrite. Anything else goes
# through `urljoin` (tests/sitegen/test_presentation.py compares the two on many values).
_PLAIN_ROOT_PATH = re.compile(r"/(?![/.])(?:[^\x00-\x20\x7f/.;?#]|/(?![/.])|\.(?![./?#]|$))*"
                              r"(?:\?[^\x00-\x20\x7f#]+)?(?:#[^\x00-\x20\x7f]+)?")

# An absolute URL that `urljoin` gives back as it is (a link to another site): lower-case
# scheme, an ASCII host, nothing for `urlunparse` to rewrite (as above).
_PLAIN_ABSOLUTE = re.compile(r"[a-z][a-z0-9+.-]*://[A-Za-z0-9._~%:@!$&'()*+,=-]+"
                             r"(?:/[^\x00-\x20\x7f;?#]*)?(?:\?[^\x00-\x20\x7f#]+)?"
                             r"(?:#[^\x00-\x20\x7f]+)?")


def _origin(page_url: str) -> str:
    """``https://host[:port]`` of an http(s) page URL, or "" (then `urljoin` decides)."""
    scheme, sep, rest = page_url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return ""
    host = rest.split("/", 1)[0]
    if not host or any(c in host for c in "?#@\\") or host != host.strip():
        return ""
    return f"{scheme}://{host}"


def plain_length(fragment: str) -> int:
    return len(html.unescape(_TAGS.sub("", fragment)).strip())


def title_line(title: str) -> str:
    return f"<p><strong>{html.escape(title, quote=False)}</strong></p>"


def link_line(url: str) -> str:
    escaped = html.escape(url, quote=True)
    return f'<p><a href="{escaped}">{html.escape(url, quote=False)}</a></p>'


def teaser_html(teaser: str) -> str:
    return f"<p>{html.escape(teaser, quote=False)}</p>"


def present(*, setting: str, title: str | None, content_warning: str | None, teaser: str,
            content_html: str, url: str, attributed_to: str,
            attachments: list[dict] | None = None) -> Presentation:
    """The document fields of one post. ``setting`` is the post's or the site's
    ``object_type``; ``content_html`` has absolute URLs; ``teaser`` is plain text."""
    long = plain_length(content_html) > LONG_POST_CHARS
    heading = title_line(title) if title else ""
    short_form = heading + content_html
    teaser_form = heading + teaser_html(teaser) + link_line(url)
    if content_warning:  # the only form every renderer folds, whatever the setting
        body = teaser_form if (title and long and setting == "auto") else short_form
        return Presentation("Note", body, summary=content_warning, sensitive=True)
    if setting == "article" and title:
        preview = {"type": "Note", "attributedTo": attributed_to, "content": teaser_form}
        if attachments:
            preview["attachment"] = attachments
        return Presentation("Article", content_html, name=title,
                            summary=teaser_html(teaser), preview=preview)
    if setting == "auto" and title and long:
        return Presentation("Note", teaser_form)
    return Presentation("Note", short_form)
