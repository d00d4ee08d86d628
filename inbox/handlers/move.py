"""Move: a follower migrated. It only counts once the target lists the origin in alsoKnownAs
(checked against a fresh fetch of the target in ``apply``; ``move_allowed`` is the rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.vocab import as_list, id_of
from inbox.handlers.common import Drop, LocalTarget


@dataclass(frozen=True, slots=True)
class MoveIntent:
    origin: str
    target: str


def interpret_move(activity: dict[str, Any], local: LocalTarget) -> MoveIntent | Drop:
    origin = id_of(activity.get("object"))
    target = id_of(activity.get("target"))
    if origin != activity["actor"]:
        return Drop("Move of someone other than the signer")
    if not target or not target.startswith(("https://", "http://")) or target == origin:
        return Drop("Move without a usable target")
    return MoveIntent(origin=origin, target=target)


def move_allowed(origin: str, target_document: dict[str, Any]) -> bool:
    """The target account must claim the origin as an alias of itself."""
    return origin in {id_of(entry) for entry in as_list(target_document.get("alsoKnownAs"))}
