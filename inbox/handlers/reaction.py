"""Like and Announce of the blog's posts. Only the object's id is read: an embedded copy could
say anything, so it is never trusted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.vocab import id_of
from inbox.handlers.common import Drop, LocalTarget, is_local_object


@dataclass(frozen=True, slots=True)
class ReactionIntent:
    kind: str  # like | share
    author: str
    object_id: str


def interpret_reaction(activity: dict[str, Any], local: LocalTarget) -> ReactionIntent | Drop:
    object_id = id_of(activity.get("object"))
    if not is_local_object(object_id, local) or object_id == local.actor_url:
        return Drop(f"{activity['type']} of something that is not the blog's")
    kind = "like" if activity["type"] == "Like" else "share"
    return ReactionIntent(kind=kind, author=activity["actor"], object_id=object_id)
