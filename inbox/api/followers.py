"""Followers: the count for everyone, the items for the owner; removing one sends a Reject."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, delete, get
from litestar.params import FromPath, FromQuery

from fedicore.handles import Handle
from fedicore.vocab import AS_CONTEXT
from inbox.api.announcements import switched_off
from inbox.api.http import ApiError, activity_response, mention_of, paging
from inbox.doctor.sightings import host_of_request
from inbox.auth import require_owner_or_admin, signed_by_owner_or_admin
from inbox.handlers.apply import reject_follow
from inbox.moderation.effects import guess_sender
from inbox.storage import followers as store
from inbox.storage import moderation as moderation_store
from inbox.storage.actors import get_actor


@get("/v1/{actor:str}/followers", summary="Followers: count for anyone, items for the owner")
async def followers(request: Request, actor: FromPath[str], skip: FromQuery[int | None] = None,
                    limit: FromQuery[int | None] = None) -> Response:
    mention = mention_of(actor)
    db = request.app.state.db
    if await get_actor(db, mention) is None or switched_off(request.app.state, mention):
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    url = f"{request.app.state.settings.base_url}/v1/{mention}/followers"
    seen, said = host_of_request(request.headers)
    if seen:  # who reads the blog's followers collection (fedipress doctor --host)
        await request.app.state.sightings.saw(
            mention, seen, "fetch", said, worth_a_row=lambda: store.has_follower_on(db, mention, seen))
    total = await store.count_followers(db, mention)
    answer: dict[str, Any] = {"@context": AS_CONTEXT, "id": url, "type": "OrderedCollection",
                              "totalItems": total}
    signed = request.headers.get("signature") or request.headers.get("signature-input")
    if signed and await signed_by_owner_or_admin(request, mention):
        skip, limit = paging(skip, limit)
        rows = await store.list_followers(db, mention, skip=skip, limit=limit)
        answer["orderedItems"] = [row.follower_id for row in rows]
        if skip + limit < total:
            answer["next"] = f"{url}?skip={skip + limit}&limit={limit}"
    return activity_response(request, answer)


async def _match(request: Request, mention: str, target: str) -> store.Follower | None:
    """A follower named by URL, or by ``@user@domain``: the handle recorded for its actor URL
    when its Follow was processed, else the URL's host and last path segment (no fetching)."""
    db = request.app.state.db
    if target.startswith(("https://", "http://")):
        return await store.get_follower(db, mention, target)
    try:
        wanted = Handle.parse(target)
    except ValueError as exc:
        raise ApiError(400, "bad_mention", str(exc)) from None
    total = await store.count_followers(db, mention)
    rows = await store.list_followers(db, mention, skip=0, limit=max(total, 1))
    known = await moderation_store.known_senders(db, [row.follower_id for row in rows])
    for row in rows:
        who = guess_sender(row.follower_id, known)
        if who is not None and who.domain == wanted.domain and who.user.lower() == wanted.user.lower():
            return row
    return None


@delete("/v1/{actor:str}/followers/{follower:path}", status_code=200, summary="Remove a follower")
async def remove_follower(request: Request, actor: FromPath[str], follower: FromPath[str]) -> dict[str, Any]:
    mention = mention_of(actor)
    await require_owner_or_admin(request, mention)
    state = request.app.state
    local = await get_actor(state.db, mention)
    if local is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    target = unquote(follower).lstrip("/")
    if target.startswith(("https:/", "http:/")) and "://" not in target:
        target = target.replace(":/", "://", 1)
    row = await _match(request, mention, target)
    if row is None:
        raise ApiError(404, "not_a_follower", f"{target} does not follow {mention}")
    await store.remove_follower(state.db, mention, row.follower_id)
    follow = {"id": row.follow_activity_id or f"{row.follower_id}#follow", "type": "Follow",
              "actor": row.follower_id, "object": local.actor_url}
    await reject_follow(state.db, local, follow, row.inbox, now=state.clock())
    return {"removed": row.follower_id}


ROUTES = [followers, remove_follower]
