"""What the blog may publish through ``POST /v1/:actor/outbox`` (pure checks).

The activity must be the blog's own (``actor`` is the blog), carry an id on the blog's host,
and be addressed. ``bto``/``bcc`` are for us, never for the recipients: they are removed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fedicore.vocab import as_list, id_of

OUTBOX_TYPES = frozenset({"Create", "Update", "Delete", "Announce", "Undo", "Like", "Add", "Remove", "Move"})
ADDRESSING = ("to", "cc", "bto", "bcc", "audience")


def _host(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.netloc.lower()


def outbox_problem(activity: dict[str, Any], actor_url: str) -> str | None:
    """Why ``activity`` cannot be published by the actor at ``actor_url``, or None."""
    kind = activity.get("type")
    if not isinstance(kind, str) or kind not in OUTBOX_TYPES:
        return f"type must be one of {', '.join(sorted(OUTBOX_TYPES))}"
    if id_of(activity.get("actor")) != actor_url:
        return f"actor must be the blog actor {actor_url}"
    home = _host(actor_url)
    if _host(activity.get("id")) != home:
        return f"id must be an http(s) URL on {home}"
    if not any(as_list(activity.get(name)) for name in ADDRESSING):
        return "the activity is not addressed to anyone (to, cc, bto, bcc or audience)"
    obj = activity.get("object")
    if kind in ("Create", "Update"):
        if not isinstance(obj, dict):
            return f"a {kind} must embed its object"
        if _host(obj.get("id")) != home:
            return f"the object's id must be on {home}"
        if "attributedTo" in obj and id_of(obj.get("attributedTo")) != actor_url:
            return "the object must be attributed to the blog actor"
    elif kind == "Delete" and _host(id_of(obj)) != home:
        return f"a Delete may only delete an object on {home}"
    elif id_of(obj) is None:
        return "object is missing"
    return None


def for_recipients(activity: dict[str, Any]) -> dict[str, Any]:
    """The activity as sent: without ``bto``/``bcc`` (also on an embedded object)."""
    clean = {k: v for k, v in activity.items() if k not in ("bto", "bcc")}
    if isinstance(clean.get("object"), dict):
        clean["object"] = {k: v for k, v in clean["object"].items() if k not in ("bto", "bcc")}
    return clean
