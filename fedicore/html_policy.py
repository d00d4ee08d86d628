"""The one allow-list for HTML that other servers wrote (replies), Mastodon-like, via nh3.

Shared so the inbox (storing) and the site (rendering) can enforce the same rules: a few inline
and block tags, classes only of the mention/hashtag/microformat kinds, absolute http(s) links
with ``rel="nofollow noopener noreferrer ugc"``; no style, no event handlers, no images, and
script/style/svg/math/iframe/object/template dropped with their content. Pure: no I/O.
"""

from __future__ import annotations

from html import unescape

import nh3

TAGS = frozenset({"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b",
                  "strong", "u", "i", "em", "ul", "ol", "li", "ruby", "rt", "rp"})
ATTRIBUTES = {"a": {"href", "class", "translate"}, "span": {"class", "translate"},
              "p": {"class"}, "ol": {"start", "reversed"}, "li": {"value"}}
DROPPED_WITH_CONTENT = frozenset({"script", "style", "svg", "math", "iframe", "object",
                                  "template"})
CLASS_PREFIXES = ("h-", "p-", "u-", "dt-", "e-")
CLASS_NAMES = frozenset({"mention", "hashtag", "ellipsis", "invisible"})
LINK_REL = "nofollow noopener noreferrer ugc"
MAX_HTML = 100_000  # characters: a reply is not a book


def is_http_url(value: object) -> bool:
    """An absolute http(s) URL with a host (no `javascript:`, `data:`, relative or `//x`)."""
    if not isinstance(value, str) or len(value) > 2048:
        return False
    if any(c in value for c in "\t\n\r \"'<>`\\"):
        return False
    lowered = value.lower()
    for scheme in ("https://", "http://"):
        if lowered.startswith(scheme):
            return len(lowered) > len(scheme) and lowered[len(scheme)] not in "/?#"
    return False


def _allowed_class(name: str) -> bool:
    return name in CLASS_NAMES or name.startswith(CLASS_PREFIXES)


def _keep(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return " ".join(n for n in value.split() if _allowed_class(n)) or None
    if attribute == "href":
        return value if is_http_url(value) else None
    if attribute in {"start", "value"}:
        return value if value.isdigit() and len(value) < 7 else None
    return value


def clean_html(html: object) -> str:
    """Untrusted HTML made safe to insert into a page; a non-string is an empty string."""
    if not isinstance(html, str):
        return ""
    return nh3.clean(html[:MAX_HTML], tags=set(TAGS), attributes=ATTRIBUTES,
                     attribute_filter=_keep, clean_content_tags=set(DROPPED_WITH_CONTENT),
                     link_rel=LINK_REL, url_schemes={"http", "https"}, strip_comments=True)


def plain_text(value: object, limit: int = 200) -> str:
    """Text with every tag removed and whitespace folded, at most ``limit`` characters.

    Unescaped again afterwards: the template escapes it once, as for any text."""
    if not isinstance(value, str):
        return ""
    return " ".join(unescape(nh3.clean(value[:limit * 4], tags=set())).split())[:limit]
