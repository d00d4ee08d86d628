"""Update and Delete: only of what the signer owns. A Mastodon Delete carries a Tombstone with
the Note's id; a Delete whose object is the actor itself means the account is gone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.vocab import id_of
from inbox.handlers.common import Drop, LocalTarget
from inbox.handlers.create import clean_content, note_problem


@dataclass(frozen=True, slots=True)
class UpdateNoteIntent:
    author: str
    note_id: str
    content_html: str
    note: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ActorChangedIntent:
    """The signer updated its own profile (a new key, maybe): forget the cached copy."""

    actor: str


@dataclass(frozen=True, slots=True)
class DeleteNoteIntent:
    author: str
    note_id: str


@dataclass(frozen=True, slots=True)
class ActorGoneIntent:
    actor: str


def interpret_update(activity: dict[str, Any], local: LocalTarget) -> object:
    obj = activity.get("object")
    object_id = id_of(obj)
    if object_id == activity["actor"]:
        return ActorChangedIntent(actor=activity["actor"])
    problem = note_problem(obj, activity["actor"])
    if problem:
        return Drop(f"Update: {problem}")
    assert isinstance(obj, dict)
    return UpdateNoteIntent(author=activity["actor"], note_id=obj["id"],
                            content_html=clean_content(obj), note=obj)


def interpret_delete(activity: dict[str, Any], local: LocalTarget) -> object:
    object_id = id_of(activity.get("object"))
    if not object_id:
        return Drop("Delete without an object id")
    if object_id == activity["actor"]:
        return ActorGoneIntent(actor=activity["actor"])
    return DeleteNoteIntent(author=activity["actor"], note_id=object_id)
