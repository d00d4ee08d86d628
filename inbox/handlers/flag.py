"""Flag: a report. Only about the blog's own objects; the comment is truncated; it always
waits for the author."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.vocab import as_list, id_of
from inbox.handlers.common import Drop, LocalTarget, is_local_object

MAX_COMMENT = 1000


@dataclass(frozen=True, slots=True)
class FlagIntent:
    author: str
    objects: tuple[str, ...]
    comment: str


def interpret_flag(activity: dict[str, Any], local: LocalTarget) -> FlagIntent | Drop:
    objects = tuple(
        object_id for object_id in (id_of(entry) for entry in as_list(activity.get("object")))
        if object_id and is_local_object(object_id, local)
    )
    if not objects:
        return Drop("Flag about nothing of the blog's")
    comment = activity.get("content")
    comment = comment[:MAX_COMMENT] if isinstance(comment, str) else ""
    return FlagIntent(author=activity["actor"], objects=objects, comment=comment)
