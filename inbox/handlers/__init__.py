"""What an activity does, decided without I/O.

``interpret(activity, signer, local)`` reads one verified activity for one local actor and
returns an intent (a small frozen dataclass) or a ``Drop`` with the reason. ``inbox.handlers.apply``
carries intents out against storage, moderation and the delivery queue. One module per activity
type keeps each rule next to its reason.
"""

from __future__ import annotations

from typing import Any

from inbox.handlers.common import Drop, LocalTarget, common_problem
from inbox.handlers.create import interpret_create
from inbox.handlers.flag import interpret_flag
from inbox.handlers.follow import interpret_follow
from inbox.handlers.move import interpret_move
from inbox.handlers.quote import interpret_quote_request
from inbox.handlers.reaction import interpret_reaction
from inbox.handlers.undo import interpret_undo
from inbox.handlers.update_delete import interpret_delete, interpret_update

_BY_TYPE = {
    "Follow": interpret_follow,
    "Undo": interpret_undo,
    "Create": interpret_create,
    "Update": interpret_update,
    "Delete": interpret_delete,
    "Like": interpret_reaction,
    "Announce": interpret_reaction,
    "EmojiReact": interpret_reaction,
    "Move": interpret_move,
    "Flag": interpret_flag,
    "QuoteRequest": interpret_quote_request,
}


def interpret(activity: dict[str, Any], local: LocalTarget) -> object:
    """The intent of a verified ``activity`` (``actor`` already equals the signer) for ``local``."""
    problem = common_problem(activity)
    if problem:
        return Drop(problem)
    handler = _BY_TYPE.get(activity["type"])
    if handler is None:
        return Drop(f"{activity['type'][:40]} is accepted and ignored")
    return handler(activity, local)


__all__ = ["Drop", "LocalTarget", "interpret"]
