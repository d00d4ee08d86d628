"""Follow: only of the local actor; auto-accept unless it approves followers by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fedicore.vocab import id_of
from inbox.handlers.common import Drop, LocalTarget


@dataclass(frozen=True, slots=True)
class FollowIntent:
    follower: str
    follow: dict[str, Any]


def interpret_follow(activity: dict[str, Any], local: LocalTarget) -> FollowIntent | Drop:
    if id_of(activity.get("object")) != local.actor_url:
        return Drop("Follow of someone else")
    return FollowIntent(follower=activity["actor"], follow=activity)


def follow_outcome(moderation: str, *, manually_approves: bool) -> Literal["accept", "queue", "reject"]:
    """block → reject; an author who approves by hand → queue; otherwise accept."""
    if moderation == "block":
        return "reject"
    if manually_approves:
        return "queue"
    return "accept"
