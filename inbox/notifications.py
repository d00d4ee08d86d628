"""The author's private Atom feed: new queue items and interactions, newest first."""

from __future__ import annotations

import time
from typing import Any
from xml.sax.saxutils import escape, quoteattr

WHAT = {"reply": "replied", "like": "liked", "share": "boosted", "emoji": "reacted to",
        "quote": "quoted", "follow": "wants to follow you", "flag": "reported"}


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def atom_feed(mention: str, url: str, items: list[dict[str, Any]]) -> str:
    updated = _iso(max((i["updated_at"] for i in items), default=0.0))
    entries = []
    for item in items:
        verb = WHAT.get(item["kind"], item["kind"])
        target = "" if item["kind"] in ("follow",) else f" {item['object_id'] or ''}"
        waiting = " (waits for your approval)" if item["state"] == "queued" else ""
        title = f"{item['author_handle']} {verb}{target}{waiting}"
        entries.append(
            "<entry>"
            f"<id>{escape(item['activity_id'])}</id>"
            f"<title>{escape(title)}</title>"
            f"<updated>{_iso(item['updated_at'])}</updated>"
            f"<author><name>{escape(item['author_handle'])}</name>"
            f"<uri>{escape(item['author'])}</uri></author>"
            f"<link href={quoteattr(item['note_id'] or item['author'])}/>"
            f"<category term={quoteattr(item['state'])}/>"
            f"<summary>{escape(item['excerpt'])}</summary>"
            "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>{escape(url)}</id><title>{escape(mention)}: replies and reactions</title>"
            f"<updated>{updated}</updated>" + "".join(entries) + "</feed>\n")
