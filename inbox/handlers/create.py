"""Create of a reply to one of the blog's posts (or to a reply under one: ``thread``), or of a
note that mentions the blog actor.

The object must be embedded, be attributed to the signer and live on the signer's host (a
Create that reuses another actor's object id is a forgery, CVE-2024-37903; the store checks
earlier owners of the id too). Its HTML is sanitised before anything keeps it, by
``fedicore.html_policy``: the same allow-list the site renders replies with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.html_policy import clean_html
from fedicore.vocab import id_of
from inbox.handlers.common import Drop, LocalTarget, addressed_to, is_local_object, mentions, same_origin
from inbox.handlers.thread import ThreadReplyIntent, blog_post

NOTE_TYPES = frozenset({"Note", "Article", "Page", "Question"})


@dataclass(frozen=True, slots=True)
class ReplyIntent:
    author: str
    note_id: str
    in_reply_to: str  # the blog's object it answers, or the actor url for a bare mention
    content_html: str
    note: dict[str, Any]


def note_problem(obj: Any, actor: str) -> str | None:
    """Why an embedded note cannot be taken from ``actor``, or None."""
    if not isinstance(obj, dict):
        return "the object is not embedded"
    if not isinstance(obj.get("type"), str) or obj["type"] not in NOTE_TYPES:
        return f"object type {str(obj.get('type'))[:40]} is not a note"
    note_id = obj.get("id")
    if not isinstance(note_id, str):
        return "the note has no id"
    if not same_origin(note_id, actor):
        return "the note id is on another host than its actor"
    if id_of(obj.get("attributedTo")) != actor:
        return "the note is attributed to someone else"
    return None


def clean_content(obj: dict[str, Any]) -> str:
    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        content = next((v for v in content_map.values() if isinstance(v, str)), "") if isinstance(content_map, dict) else ""
    return clean_html(content)


def interpret_create(activity: dict[str, Any], local: LocalTarget) -> ReplyIntent | ThreadReplyIntent | Drop:
    obj = activity.get("object")
    problem = note_problem(obj, activity["actor"])
    if problem:
        return Drop(problem)
    assert isinstance(obj, dict)
    in_reply_to = id_of(obj.get("inReplyTo"))
    mentioned = (mentions(obj, local.actor_url) or addressed_to(obj, local.actor_url)
                 or addressed_to(activity, local.actor_url))
    if in_reply_to and is_local_object(in_reply_to, local) and in_reply_to != local.actor_url:
        target = in_reply_to
    elif (context := blog_post(obj.get("context"), local)) is not None:
        target = context  # FEP-7888: the thread's context is one of the blog's posts
    elif in_reply_to:  # a reply to a reply, maybe: the chain decides (inbox.handlers.thread)
        return ThreadReplyIntent(author=activity["actor"], note_id=obj["id"], parent=in_reply_to,
                                 content_html=clean_content(obj), note=obj,
                                 fallback=local.actor_url if mentioned else None)
    elif mentioned:
        target = local.actor_url
    else:
        return Drop("neither a reply to the blog nor a mention of it")
    return ReplyIntent(author=activity["actor"], note_id=obj["id"], in_reply_to=target,
                       content_html=clean_content(obj), note=obj)
