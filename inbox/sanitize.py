"""Reply HTML from other servers, made safe to store and show on the blog.

The allow-list itself lives once, in ``fedicore.html_policy`` (Mastodon's strict list via nh3),
so the inbox that stores a reply and the site that renders it enforce the same rules.
"""

from __future__ import annotations

from fedicore.html_policy import clean_html


def sanitize_html(html: str) -> str:
    """Clean untrusted HTML (truncated to 100 kB first: a reply is not a book)."""
    return clean_html(html)
