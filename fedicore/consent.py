"""Consent for the public page: everyone may reply, but a reply is shown on the blog only as
its author allows. Pure: the inbox (for the desk) and ``pull`` (for the page) both ask it.

Withheld when the author's actor says ``indexable: false`` or ``discoverable: false``, or the
reply carries the opt-out hashtag (``#noblog`` unless the site names another). Only an
explicit ``false`` counts; a missing field is no objection.
"""

from __future__ import annotations

import re
from typing import Any


def author_objection(actor: Any) -> str | None:
    if not isinstance(actor, dict):
        return None
    if actor.get("indexable") is False:
        return "their account is not indexable"
    if actor.get("discoverable") is False:
        return "their account is not discoverable"
    return None


def note_objection(note: Any, tag: str = "noblog") -> str | None:
    if not isinstance(note, dict) or not tag:
        return None
    wanted = "#" + tag.lstrip("#").lower()
    tags = note.get("tag")
    for entry in tags if isinstance(tags, list) else [tags]:
        if isinstance(entry, dict) and str(entry.get("name", "")).lower() == wanted:
            return f"the reply carries {wanted}"
    content = note.get("content")
    if isinstance(content, str) and re.search(re.escape(wanted) + r"(?![\w-])", content, re.I):
        return f"the reply carries {wanted}"
    return None


def withheld_reason(note: Any, actor: Any, tag: str = "noblog") -> str | None:
    """Why this reply must not show its author on the public page, or None."""
    return note_objection(note, tag) or author_objection(actor)
