"""What the announcements actor says (pure): the Note introducing a new blog, the Announce
boosting one of its posts, and which published activities are worth a boost."""

from __future__ import annotations

import datetime
import html
from typing import Any

from fedicore.handles import Handle
from fedicore.vocab import AS_CONTEXT, PUBLIC, PUBLIC_ALIASES, as_list, id_of
from inbox.announcements.actor import AnnouncementsActor

# Objects a blog publishes that a boost may carry (a Create of anything else is not a post).
POST_TYPES = frozenset({"Note", "Article", "Page", "Question", "Image", "Video", "Audio", "Event"})


def timestamp(now: float) -> str:
    return datetime.datetime.fromtimestamp(now, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def introduction(who: AnnouncementsActor, *, announcement_id: str, blog_mention: str,
                 blog_url: str, now: float) -> dict[str, Any]:
    """A public Create of a Note mentioning the new blog (Mention tag and its handle)."""
    handle = Handle.parse(blog_mention)
    href, shown = html.escape(blog_url, quote=True), html.escape(str(handle))
    content = (f'<p>A new blog joined: <span class="h-card"><a href="{href}" class="u-url mention">'
               f'@<span>{html.escape(handle.user)}</span></a></span> ({shown}).</p>'
               f'<p>Follow it to read its posts in your timeline.</p>')
    note = {
        "id": who.note_id(announcement_id), "type": "Note", "attributedTo": who.id,
        "content": content, "published": timestamp(now), "to": [PUBLIC], "cc": [who.followers, blog_url],
        "tag": [{"type": "Mention", "href": blog_url, "name": str(handle)}],
    }
    return {"@context": AS_CONTEXT, "id": who.activity_id(announcement_id), "type": "Create",
            "actor": who.id, "published": note["published"], "to": note["to"], "cc": note["cc"],
            "object": note}


def boost(who: AnnouncementsActor, *, announcement_id: str, post_id: str, blog_url: str,
          now: float) -> dict[str, Any]:
    """A public Announce of one of the blog's posts."""
    return {"@context": AS_CONTEXT, "id": who.activity_id(announcement_id), "type": "Announce",
            "actor": who.id, "published": timestamp(now), "to": [PUBLIC],
            "cc": [who.followers, blog_url], "object": post_id}


def boostable_post(activity: dict[str, Any], blog_url: str) -> str | None:
    """The id of the post a blog's outbox activity publishes, when it is a public Create of a
    post by that blog and not a reply; else None."""
    if activity.get("type") != "Create" or id_of(activity.get("actor")) != blog_url:
        return None
    post = activity.get("object")
    if not isinstance(post, dict) or post.get("type") not in POST_TYPES:
        return None
    if post.get("inReplyTo"):
        return None
    addressed = [id_of(a) for name in ("to", "cc") for a in as_list(post.get(name))]
    if not any(a in PUBLIC_ALIASES for a in addressed):
        return None
    post_id = id_of(post)
    return post_id if isinstance(post_id, str) and post_id.startswith(("https://", "http://")) else None
