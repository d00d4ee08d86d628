"""Replies, likes, shares and emoji reactions of the blog's posts, counting approved items only.

``GET /v1/{actor}/inbox/replies/{url}`` answers the approved public replies (their sanitised
HTML, for the static site to show; unlisted ones too when ``publish_unlisted_replies`` is on,
private ones never); ``likes`` / ``shares`` answer the count to anyone and the items to the owner.
``reactions`` answers each emoji with how many people reacted with it (and a custom emoji's
image), to anyone: that is what the page shows. Every field served is sanitised here, not only
by the site: ``summary`` as plain text, links only as http(s) URLs.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery

from fedicore.html_policy import is_http_url, plain_text
from fedicore.vocab import AS_CONTEXT, as_list
from inbox.api.http import ApiError, activity_response, decode_id, mention_of, paging
from inbox.auth import signed_by_owner_or_admin
from inbox.handlers.reaction import reaction_emoji
from inbox.storage import items as store
from inbox.storage.actors import get_actor

KINDS = {"replies": "reply", "likes": "like", "shares": "share"}


def _reply(item: store.Item) -> dict[str, Any]:
    """The stored note, with its content replaced by the sanitised HTML."""
    activity = msgspec.json.decode(item.raw)
    note = activity.get("object") if isinstance(activity.get("object"), dict) else {}
    answer: dict[str, Any] = {key: note[key] for key in ("id", "attributedTo", "inReplyTo")
                              if is_http_url(note.get(key))}
    for key in ("type", "published", "updated"):
        if isinstance(note.get(key), str):
            answer[key] = note[key][:64]
    for key in ("to", "cc"):
        answer[key] = [entry for entry in as_list(note.get(key)) if isinstance(entry, str) and len(entry) < 2048]
    if is_http_url(note.get("url")):
        answer["url"] = note["url"]
    if note.get("summary") is not None:
        answer["summary"] = plain_text(note["summary"], 500)
    if isinstance(note.get("sensitive"), bool):
        answer["sensitive"] = note["sensitive"]
    answer["content"] = item.content_html or ""
    return answer


async def _collection(request: Request, actor: str, kind: str, url: str,
                      skip: int | None, limit: int | None) -> Response:
    mention = mention_of(actor)
    db = request.app.state.db
    if await get_actor(db, mention) is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    object_id = decode_id(url)
    skip, limit = paging(skip, limit)
    total, items = await store.about_object(db, mention, KINDS[kind], object_id, skip=skip, limit=limit,
                                            unlisted=request.app.state.settings.publish_unlisted_replies)
    answer: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": f"{request.app.state.settings.base_url}/v1/{mention}/inbox/{kind}/{object_id}",
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if kind == "replies":
        answer["orderedItems"] = [_reply(item) for item in items]
    elif ((request.headers.get("signature") or request.headers.get("signature-input"))
          and await signed_by_owner_or_admin(request, mention)):
        answer["orderedItems"] = [msgspec.json.decode(item.raw) for item in items]
    return activity_response(request, answer)


@get("/v1/{actor:str}/inbox/replies/{url:path}", summary="Approved replies to one of the blog's objects")
async def replies(request: Request, actor: FromPath[str], url: FromPath[str], skip: FromQuery[int | None] = None,
                  limit: FromQuery[int | None] = None) -> Response:
    return await _collection(request, actor, "replies", url, skip, limit)


@get("/v1/{actor:str}/inbox/likes/{url:path}", summary="Approved likes of one of the blog's objects")
async def likes(request: Request, actor: FromPath[str], url: FromPath[str], skip: FromQuery[int | None] = None,
                limit: FromQuery[int | None] = None) -> Response:
    return await _collection(request, actor, "likes", url, skip, limit)


@get("/v1/{actor:str}/inbox/shares/{url:path}", summary="Approved shares of one of the blog's objects")
async def shares(request: Request, actor: FromPath[str], url: FromPath[str], skip: FromQuery[int | None] = None,
                 limit: FromQuery[int | None] = None) -> Response:
    return await _collection(request, actor, "shares", url, skip, limit)


@get("/v1/{actor:str}/inbox/reactions/{url:path}", summary="Emoji reactions to one of the blog's objects")
async def reactions(request: Request, actor: FromPath[str], url: FromPath[str]) -> dict[str, Any]:
    mention = mention_of(actor)
    db = request.app.state.db
    if await get_actor(db, mention) is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    object_id = decode_id(url)
    items = []
    for name, count, raw in await store.emoji_reactions(db, mention, object_id):
        try:
            emoji = reaction_emoji(msgspec.json.decode(raw))
        except msgspec.DecodeError:
            emoji = None
        icon = emoji.icon if emoji is not None and emoji.name == name else None
        items.append({"content": name, "count": count, "icon": icon})
    return {"@context": AS_CONTEXT,
            "id": f"{request.app.state.settings.base_url}/v1/{mention}/inbox/reactions/{object_id}",
            "type": "Collection", "totalItems": sum(item["count"] for item in items), "items": items}


ROUTES = [replies, likes, shares, reactions]
