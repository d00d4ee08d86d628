"""The author's moderation view of their inbox, and approve / reject of queued items.

``GET /v1/{actor}/inbox?skip&limit`` (newest first, paged by count and by size: a page stops
at ``MAX_PAGE_BYTES`` of stored items, and ``next`` follows on from there), ``POST /v1/{actor}/inbox/{id}``
approves, ``DELETE`` rejects (a rejected Follow gets a ``Reject``). ``{id}`` is the activity id,
percent-encoded or base64url.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, delete, get, post
from litestar.params import FromPath, FromQuery

from fedicore.vocab import AS_CONTEXT
from inbox.api.http import ApiError, decode_id, mention_of, paging
from inbox.auth import require_owner_or_admin
from inbox.fetcher import FetchFailure
from inbox.handlers.apply import KIND_EVENTS, accept_follow, inboxes_of, reject_follow, signing_key
from inbox.moderation import service as moderation
from inbox.storage import items as item_store
from inbox.storage.actors import LocalActor, get_actor
from inbox.webhooks import fire


async def _owned_actor(request: Request, actor: str) -> tuple[LocalActor, str]:
    """The local actor and who signed the request (the actor itself or an admin)."""
    mention = mention_of(actor)
    signer = await require_owner_or_admin(request, mention)
    local = await get_actor(request.app.state.db, mention)
    if local is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return local, str(signer)


async def _audit(request: Request, local: LocalActor, who: str, action: str,
                 item: item_store.Item) -> None:
    """Approve / reject go to the moderation audit log beside the list changes."""
    await moderation.record(request.app.state.db, scope=local.mention, who=who, action=action,
                            target=item.activity_id, now=request.app.state.clock(),
                            detail={"kind": item.kind, "author": item.author})


@get("/v1/{actor:str}/inbox", summary="Moderation view: queued items, newest first")
async def moderation_view(request: Request, actor: FromPath[str], skip: FromQuery[int | None] = None,
                          limit: FromQuery[int | None] = None) -> dict[str, Any]:
    local, _ = await _owned_actor(request, actor)
    skip, limit = paging(skip, limit)
    db = request.app.state.db
    total = await item_store.count_items(db, local.mention, state="queued")
    items = fit_page(await item_store.list_items(db, local.mention, state="queued", skip=skip, limit=limit))
    base = f"{request.app.state.settings.base_url}/v1/{local.mention}/inbox"
    page: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": f"{base}?skip={skip}&limit={limit}",
        "type": "OrderedCollectionPage",
        "partOf": base,
        "totalItems": total,
        "orderedItems": [msgspec.json.decode(item.raw) for item in items],
    }
    if skip + len(items) < total:
        page["next"] = f"{base}?skip={skip + len(items)}&limit={limit}"
    if skip > 0:
        page["prev"] = f"{base}?skip={max(0, skip - limit)}&limit={limit}"
    return page


MAX_PAGE_BYTES = 512 * 1024  # a moderation page stops here (at least one item), whatever ``limit`` says


def fit_page(items: list[item_store.Item], budget: int = MAX_PAGE_BYTES) -> list[item_store.Item]:
    """The leading items whose stored bodies fit in ``budget`` bytes (always the first)."""
    kept, used = [], 0
    for item in items:
        used += len(item.raw)
        if kept and used > budget:
            break
        kept.append(item)
    return kept


async def _queued(request: Request, actor: str,
                  item_id: str) -> tuple[LocalActor, str, item_store.Item]:
    local, who = await _owned_actor(request, actor)
    activity_id = decode_id(item_id)
    item = await item_store.get_item(request.app.state.db, local.mention, activity_id)
    if item is None or item.state != "queued":
        raise ApiError(404, "not_queued", f"no queued item {activity_id}")
    return local, who, item


async def _follower_inbox(request: Request, local: LocalActor, follower: str) -> tuple[str, str | None]:
    document = await request.app.state.fetcher.fetch_document(follower, signer=signing_key(local))
    if isinstance(document, FetchFailure):
        headers = {"Retry-After": "60"} if document.transient else None
        raise ApiError(503 if document.transient else 502, "follower_unavailable", document.detail,
                       headers=headers)
    inbox, shared = inboxes_of(document)
    if not inbox:
        raise ApiError(502, "follower_unavailable", "the follower has no inbox")
    return inbox, shared


@post("/v1/{actor:str}/inbox/{item_id:path}", status_code=200, summary="Approve a queued item")
async def approve_item(request: Request, actor: FromPath[str], item_id: FromPath[str]) -> dict[str, Any]:
    local, who, item = await _queued(request, actor, item_id)
    state = request.app.state
    now = state.clock()
    if item.kind == "follow":
        follow = msgspec.json.decode(item.raw)
        inbox, shared = await _follower_inbox(request, local, item.author)
        await accept_follow(state.db, local, follow, inbox, shared, now=now,
                            backfill=state.settings.backfill_count)
        await item_store.delete_item(state.db, local.mention, item.activity_id)
    else:
        await item_store.set_state(state.db, local.mention, item.activity_id, "approved", now=now)
    activity = msgspec.json.decode(item.raw)
    await _audit(request, local, who, "approve", item)
    await fire(state.db, actor=local.mention, event="onapproved", activity=activity, now=now)
    await fire(state.db, actor=local.mention, event=KIND_EVENTS[item.kind], activity=activity, now=now)
    return {"approved": item.activity_id, "kind": item.kind}


@delete("/v1/{actor:str}/inbox/{item_id:path}", status_code=200, summary="Reject a queued item")
async def reject_item(request: Request, actor: FromPath[str], item_id: FromPath[str]) -> dict[str, Any]:
    local, who, item = await _queued(request, actor, item_id)
    state = request.app.state
    if item.kind == "follow":
        follow = msgspec.json.decode(item.raw)
        inbox, _ = await _follower_inbox(request, local, item.author)
        await reject_follow(state.db, local, follow, inbox, now=state.clock())
    await item_store.delete_item(state.db, local.mention, item.activity_id)
    await _audit(request, local, who, "reject", item)
    await fire(state.db, actor=local.mention, event="onrejected", activity=msgspec.json.decode(item.raw),
               now=state.clock())
    return {"rejected": item.activity_id, "kind": item.kind}


ROUTES = [moderation_view, approve_item, reject_item]
