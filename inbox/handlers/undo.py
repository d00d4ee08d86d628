"""Undo of a Follow, Like or Announce — only ever by the author of the undone activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.vocab import id_of
from inbox.handlers.common import Drop, LocalTarget


@dataclass(frozen=True, slots=True)
class UndoIntent:
    author: str
    undone_id: str
    undone_type: str | None
    unfollow: bool  # an embedded Follow of the local actor by the signer


def interpret_undo(activity: dict[str, Any], local: LocalTarget) -> UndoIntent | Drop:
    obj = activity.get("object")
    undone_id = id_of(obj)
    if not undone_id:
        return Drop("Undo without an object id")
    undone_type = obj.get("type") if isinstance(obj, dict) else None
    unfollow = (
        isinstance(obj, dict)
        and undone_type == "Follow"
        and id_of(obj.get("actor")) == activity["actor"]
        and id_of(obj.get("object")) == local.actor_url
    )
    if isinstance(obj, dict) and id_of(obj.get("actor")) not in (None, activity["actor"]):
        return Drop("Undo of someone else's activity")
    return UndoIntent(author=activity["actor"], undone_id=undone_id,
                      undone_type=undone_type if isinstance(undone_type, str) else None,
                      unfollow=unfollow)
