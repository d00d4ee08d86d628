"""Answers from the blog: posts with ``in_reply_to`` in their front matter.

``fedipress reply ID`` writes one; the build keeps it out of listings and gives its document
``inReplyTo`` (``sitegen.render``); ``publish`` sends it like any post; ``pull`` puts it in the
thread it answers (``with_own_answers``), so the post page shows it under that reply.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sitegen.config import Site


def answer_of(document: dict[str, Any], site: Site) -> dict[str, Any] | None:
    """The blog's own answer as a pulled reply (same fields as ``Puller.reply``), or None."""
    from sitegen.social.pull import clean_reply_html

    parent = document.get("inReplyTo")
    if not isinstance(parent, str) or document.get("attributedTo") != site.actor_id:
        return None
    config = site.config
    return {
        "id": document["id"], "url": document.get("url") or document["id"],
        "in_reply_to": parent, "published": str(document.get("published") or ""),
        "author_name": config.display_name or config.username, "author_handle": site.handle,
        "author_url": site.actor_id,
        "author_avatar": site.static_url(config.avatar) if config.avatar else None,
        "content_warning": document.get("summary") or None,
        "content_html": clean_reply_html(str(document.get("content") or "")), "own": True,
    }


def with_own_answers(entry: dict[str, Any], post_id: str, answers: list[dict[str, Any]],
                     thread) -> dict[str, Any]:
    """``entry`` with the blog's answers to anything in its thread (answers to answers too),
    threaded again. Answers to replies not in this thread are left for the other posts."""
    flat = [{k: v for k, v in r.items() if k != "depth"} for r in entry["replies"]]
    known = {r["id"] for r in flat} | {post_id}
    added = True
    while added:
        added = False
        for answer in answers:
            if answer["id"] not in known and answer["in_reply_to"] in known:
                flat.append(answer)
                known.add(answer["id"])
                added = True
    return {**entry, "replies": thread(flat, post_id)}


def scaffold_answer(site: Site, item: dict[str, Any], short: str, *, now: float) -> Path:
    """``content/posts/re-<short>.md`` answering ``item`` (a reply or a post), mentioning its
    author; refuses to overwrite."""
    from fedicore.errors import FedipressError

    target = item.get("note_id") or item.get("object_id")
    if not target:
        raise FedipressError(f"item {short} is a {item['kind']}: there is nothing to answer")
    path = site.content_dir / f"re-{short}.md"
    if path.exists():
        raise FedipressError(f"{path} exists already: edit it, then build and publish")
    date = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    said = " ".join((item.get("excerpt") or "").split())
    path.write_text(
        "+++\n"
        f"# answering {item['author_handle']}: {said}\n"
        f"date = {date}\n"
        f"in_reply_to = {json.dumps(target)}\n"
        "# to_followers = false   # only the thread and the person answered, not your followers\n"
        "+++\n\n"
        f"{item['author_handle']} \n", "utf-8")
    return path
