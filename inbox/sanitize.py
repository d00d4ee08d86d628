"""Reply HTML from other servers, made safe to store and show on the blog.

Mastodon's strict allow-list, enforced by nh3 (ammonia): a few inline and block tags, classes
only of the mention/hashtag/microformat kinds, absolute http(s) links with
``rel="nofollow noopener noreferrer"``; no style, no event handlers, no script/svg/math/iframe.
"""

from __future__ import annotations

import nh3

TAGS = {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i",
        "em", "ul", "ol", "li", "ruby", "rt", "rp"}
ATTRIBUTES = {"a": {"href", "class", "translate"}, "span": {"class", "translate"}, "p": {"class"},
              "ol": {"start", "reversed"}, "li": {"value"}}
CLASS_PREFIXES = ("h-", "p-", "u-", "dt-", "e-")
CLASS_NAMES = {"mention", "hashtag", "ellipsis", "invisible"}
MAX_HTML = 100_000


def _allowed_class(name: str) -> bool:
    return name in CLASS_NAMES or name.startswith(CLASS_PREFIXES)


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if _allowed_class(name)]
        return " ".join(kept) or None
    if attribute == "href":
        return value if value.lower().startswith(("https://", "http://")) else None
    if attribute in {"start", "value"}:
        return value if value.isdigit() and len(value) < 7 else None
    return value


def sanitize_html(html: str) -> str:
    """Clean untrusted HTML (truncated to 100 kB first: a reply is not a book)."""
    return nh3.clean(
        html[:MAX_HTML],
        tags=TAGS,
        clean_content_tags={"script", "style", "svg", "math", "iframe", "object", "template"},
        attributes=ATTRIBUTES,
        attribute_filter=_filter,
        link_rel="nofollow noopener noreferrer",
        url_schemes={"http", "https"},
        strip_comments=True,
    )
