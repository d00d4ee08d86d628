"""Quotes of the blog's posts (FEP-044f): the accepted ones and their authorization stamps.

``GET /v1/{actor}/inbox/quotes/{url}``: how many accepted quotes a post has, and their stamps
(public documents: anyone may read them), which ``fedipress pull`` writes into the site.
``GET /v1/{actor}/quotes/{token}``: one stamp, for a web server that routes the stamps' path on
the blog's host (``/ap/quotes/``) here instead of serving pulled files (docs/publisher.md).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery

from fedicore import quotes
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT
from inbox.api.http import ApiError, decode_id, mention_of, paging
from inbox.storage import items as store
from inbox.storage.actors import LocalActor, get_actor


async def _local(request: Request, actor: str) -> LocalActor:
    mention = mention_of(actor)
    local = await get_actor(request.app.state.db, mention)
    if local is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return local


@get("/v1/{actor:str}/inbox/quotes/{url:path}", summary="Accepted quotes of one of the blog's posts")
async def quotes_of_post(request: Request, actor: FromPath[str], url: FromPath[str],
                         skip: FromQuery[int | None] = None, limit: FromQuery[int | None] = None) -> dict[str, Any]:
    local = await _local(request, actor)
    object_id = decode_id(url)
    skip, limit = paging(skip, limit)
    every = await store.quotes_of(request.app.state.db, local.mention, object_id)
    pairs = every[skip:skip + limit]
    return {"@context": AS_CONTEXT,
            "id": f"{request.app.state.settings.base_url}/v1/{local.mention}/inbox/quotes/{object_id}",
            "type": "OrderedCollection", "totalItems": len(every),
            "orderedItems": [quotes.quote_authorization(local.actor_url, instrument, target)
                             for instrument, target in pairs]}


@get("/v1/{actor:str}/quotes/{token:str}", summary="One quote authorization stamp")
async def stamp(request: Request, actor: FromPath[str], token: FromPath[str]) -> Response:
    local = await _local(request, actor)
    wanted = token.removesuffix(".json")
    for instrument, target in await store.quotes_of(request.app.state.db, local.mention):
        if quotes.stamp_token(instrument, target) == wanted:
            return Response(quotes.quote_authorization(local.actor_url, instrument, target),
                            media_type=ACTIVITY_JSON)
    raise ApiError(404, "unknown_stamp", "no accepted quote has this stamp")


ROUTES = [quotes_of_post, stamp]
