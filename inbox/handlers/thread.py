"""Replies to replies: the conversation under a post is the whole thread.

A note that answers something other than the blog's posts is kept when its ``inReplyTo`` chain
leads to one of them. Each step up the chain is answered from what is already stored here (a
reply filed under a post: no fetch) or by fetching the parent (through the inbox's guarded
fetcher), within ``MAX_THREAD_DEPTH`` steps and ``MAX_THREAD_FETCHES`` fetches, so a long or
looping chain costs a few requests at most and is then dropped. A note whose ``context``
(FEP-7888) is one of the blog's posts is filed under it without any walk.

``find_thread_root`` does no I/O itself: the caller passes the two lookups.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fedicore.vocab import id_of
from inbox.handlers.common import LocalTarget, is_local_object

MAX_THREAD_DEPTH = 8  # steps up the chain (stored or fetched)
MAX_THREAD_FETCHES = 3  # parents fetched for one reply


@dataclass(frozen=True, slots=True)
class ThreadReplyIntent:
    """A reply to a note that is not the blog's: filed under the post its thread started from.
    ``fallback`` is where it goes when no such post is found (the actor, for a note that
    mentions the blog), or None to drop it."""

    author: str
    note_id: str
    parent: str
    content_html: str
    note: dict[str, Any]
    fallback: str | None


def blog_post(ref: Any, local: LocalTarget) -> str | None:
    """``ref``'s id when it is one of the blog's posts (its own object, not the actor)."""
    object_id = id_of(ref)
    if object_id and is_local_object(object_id, local) and object_id != local.actor_url:
        return object_id
    return None


async def find_thread_root(
    parent: str, local: LocalTarget, *,
    filed_under: Callable[[str], Awaitable[str | None]],
    fetch: Callable[[str], Awaitable[dict[str, Any] | None]],
    max_depth: int = MAX_THREAD_DEPTH, max_fetches: int = MAX_THREAD_FETCHES,
) -> str | None:
    """The blog post whose thread ``parent`` belongs to, or None.

    ``filed_under(note_id)``: the post a stored reply is filed under (None if not stored);
    ``fetch(url)``: the remote document (None when it cannot be had)."""
    seen: set[str] = set()
    fetches = 0
    current: str | None = parent
    for _ in range(max_depth):
        if current is None or current in seen:
            return None
        seen.add(current)
        root = blog_post(current, local) or await filed_under(current)
        if root:
            return root
        if fetches >= max_fetches:
            return None
        fetches += 1
        document = await fetch(current)
        if document is None:
            return None
        root = blog_post(document.get("context"), local)
        if root:
            return root
        current = id_of(document.get("inReplyTo"))
    return None
