"""Builders for the activities the blog side sends: Accept, Reject, Undo, Create, Update, Delete.

Pure functions of plain data. Ids are derived from what they answer (a hash of the Follow's id),
so the same answer to the same request always has the same id, and a new Follow gets a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from fedicore.vocab import AS_CONTEXT, PUBLIC


def derived_id(actor_url: str, kind: str, source_id: str) -> str:
    """A stable id on the actor's own document: ``<actor>#<kind>/<hash of source>``."""
    digest = hashlib.sha256(source_id.encode("utf-8")).hexdigest()[:32]
    return f"{actor_url}#{kind}/{digest}"


def _embedded(activity: Mapping[str, Any]) -> dict[str, Any]:
    """An answered activity embedded without its @context (the wrapper carries it)."""
    return {key: value for key, value in activity.items() if key != "@context"}


def _answer_follow(kind: str, actor_url: str, follow: Mapping[str, Any],
                   activity_id: str | None) -> dict[str, Any]:
    """Accept and Reject differ only in type: both embed the Follow and go to the follower."""
    follower = follow.get("actor")
    return {
        "@context": AS_CONTEXT,
        "id": activity_id or derived_id(actor_url, kind.lower() + "s", str(follow.get("id"))),
        "type": kind,
        "actor": actor_url,
        "object": _embedded(follow),
        "to": [follower] if isinstance(follower, str) else [],
    }


def accept(actor_url: str, follow: Mapping[str, Any], *, activity_id: str | None = None) -> dict[str, Any]:
    """Accept of a Follow, addressed to the follower, with the Follow embedded (Mastodon needs it)."""
    return _answer_follow("Accept", actor_url, follow, activity_id)


def reject(actor_url: str, follow: Mapping[str, Any], *, activity_id: str | None = None) -> dict[str, Any]:
    """Reject of a Follow (a blocked sender, a refused request, or a removed follower)."""
    return _answer_follow("Reject", actor_url, follow, activity_id)


def undo(actor_url: str, activity: Mapping[str, Any], *, activity_id: str | None = None) -> dict[str, Any]:
    """Undo of one of the actor's own earlier activities."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id or derived_id(actor_url, "undo", str(activity.get("id"))),
        "type": "Undo",
        "actor": actor_url,
        "object": _embedded(activity),
        "to": list(activity.get("to") or []),
        "cc": list(activity.get("cc") or []),
    }


def _wrap(kind: str, actor_url: str, obj: Mapping[str, Any], activity_id: str | None,
          to: Iterable[str] | None, cc: Iterable[str] | None) -> dict[str, Any]:
    object_id = str(obj.get("id"))
    return {
        # the object's own terms (sensitive, Hashtag, interactionPolicy…) hold in the wrapper
        "@context": obj.get("@context") or AS_CONTEXT,
        "id": activity_id or derived_id(actor_url, kind.lower(), object_id + "|" + str(obj.get("updated", ""))),
        "type": kind,
        "actor": actor_url,
        "object": _embedded(obj),
        "to": list(to if to is not None else obj.get("to") or [PUBLIC]),
        "cc": list(cc if cc is not None else obj.get("cc") or []),
        **({"published": obj["published"]} if kind == "Create" and "published" in obj else {}),
    }


def create(actor_url: str, obj: Mapping[str, Any], *, activity_id: str | None = None,
           to: Iterable[str] | None = None, cc: Iterable[str] | None = None) -> dict[str, Any]:
    """Create wrapping a Note/Article; addressing defaults to the object's own."""
    return _wrap("Create", actor_url, obj, activity_id, to, cc)


def update(actor_url: str, obj: Mapping[str, Any], *, activity_id: str | None = None,
           to: Iterable[str] | None = None, cc: Iterable[str] | None = None) -> dict[str, Any]:
    """Update carrying the whole new object (ids differ per ``updated`` value)."""
    return _wrap("Update", actor_url, obj, activity_id, to, cc)


def delete(actor_url: str, object_id: str, *, activity_id: str | None = None,
           to: Iterable[str] | None = None, cc: Iterable[str] | None = None) -> dict[str, Any]:
    """Delete carrying a Tombstone with the object's id, as Mastodon sends and expects."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id or derived_id(actor_url, "delete", object_id),
        "type": "Delete",
        "actor": actor_url,
        "object": {"id": object_id, "type": "Tombstone"},
        "to": list(to if to is not None else [PUBLIC]),
        "cc": list(cc or []),
    }
