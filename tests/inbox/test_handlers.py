"""The pure core: what an activity means for a local actor, without I/O."""

from __future__ import annotations

import pytest

from inbox.activity_json import JsonProblem, parse_activity
from inbox.handlers import Drop, LocalTarget, interpret
from inbox.handlers.create import ReplyIntent
from inbox.handlers.follow import FollowIntent, follow_outcome
from inbox.handlers.move import move_allowed
from inbox.handlers.reaction import ReactionIntent
from inbox.handlers.undo import UndoIntent
from inbox.handlers.update_delete import ActorGoneIntent, DeleteNoteIntent
from inbox.ratelimit import RateLimiter

AS = "https://www.w3.org/ns/activitystreams"
BLOG = LocalTarget("@alice@blog.example", "https://blog.example/ap/actor.json",
                   "https://inbox.example/v1/@alice@blog.example/followers", False)
BOB = "https://remote.example/users/bob"


def act(type_: str, obj, **extra) -> dict:
    return {"@context": AS, "id": "https://remote.example/a/1", "type": type_, "actor": BOB, "object": obj, **extra}


def test_follow_of_the_local_actor_is_a_follow() -> None:
    assert isinstance(interpret(act("Follow", BLOG.actor_url), BLOG), FollowIntent)


def test_follow_of_anyone_else_is_dropped() -> None:
    assert isinstance(interpret(act("Follow", "https://blog.example/ap/other.json"), BLOG), Drop)


@pytest.mark.parametrize(("moderation", "manual", "expected"), [
    ("block", False, "reject"), ("block", True, "reject"), ("allow", True, "queue"),
    ("queue", False, "accept"), ("allow", False, "accept"),
])
def test_follow_outcome(moderation: str, manual: bool, expected: str) -> None:
    assert follow_outcome(moderation, manually_approves=manual) == expected


def test_reply_to_a_blog_post_is_sanitised() -> None:
    note = {"id": "https://remote.example/n/1", "type": "Note", "attributedTo": BOB,
            "inReplyTo": "https://blog.example/ap/posts/a.json", "content": "<p>hi<script>x</script></p>"}
    intent = interpret(act("Create", note), BLOG)
    assert isinstance(intent, ReplyIntent)
    assert intent.content_html == "<p>hi</p>" and intent.in_reply_to == "https://blog.example/ap/posts/a.json"


def test_create_with_an_unembedded_object_is_dropped() -> None:
    assert isinstance(interpret(act("Create", "https://remote.example/n/1"), BLOG), Drop)


def test_like_reads_only_the_id_of_an_embedded_object() -> None:
    intent = interpret(act("Like", {"id": "https://blog.example/ap/posts/a.json", "content": "fake"}), BLOG)
    assert intent == ReactionIntent("like", BOB, "https://blog.example/ap/posts/a.json")


def test_undo_of_another_actors_embedded_activity_is_dropped() -> None:
    other = {"id": "https://remote.example/a/0", "type": "Like", "actor": "https://remote.example/users/carol"}
    assert isinstance(interpret(act("Undo", other), BLOG), Drop)


def test_undo_of_own_follow_is_an_unfollow() -> None:
    follow = {"id": "https://remote.example/a/0", "type": "Follow", "actor": BOB, "object": BLOG.actor_url}
    intent = interpret(act("Undo", follow), BLOG)
    assert isinstance(intent, UndoIntent) and intent.unfollow


def test_tombstone_delete_names_the_note_and_self_delete_the_actor() -> None:
    assert interpret(act("Delete", {"id": "https://remote.example/n/1", "type": "Tombstone"}), BLOG) == \
        DeleteNoteIntent(BOB, "https://remote.example/n/1")
    assert interpret(act("Delete", BOB), BLOG) == ActorGoneIntent(BOB)


def test_move_needs_the_origin_in_also_known_as() -> None:
    assert move_allowed(BOB, {"alsoKnownAs": [BOB]})
    assert not move_allowed(BOB, {"alsoKnownAs": ["https://remote.example/users/other"]})
    assert not move_allowed(BOB, {})


@pytest.mark.parametrize("extra", [{"@context": "https://example.com/ctx"}, {"@graph": []}, {"@reverse": {}}])
def test_json_ld_tricks_are_dropped(extra: dict) -> None:
    assert isinstance(interpret({**act("Follow", BLOG.actor_url), **extra}, BLOG), Drop)


def test_parse_activity_normalises_an_embedded_actor() -> None:
    parsed = parse_activity(b'{"id":"https://r.example/1","type":"Like","actor":{"id":"https://r.example/u"}}')
    assert not isinstance(parsed, JsonProblem) and parsed["actor"] == "https://r.example/u"


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=1, burst=2, monotonic=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, 1]
    assert limiter.retry_after("b") is None
    now[0] = 1.0
    assert limiter.retry_after("a") is None
