"""``POST /v1/:actor/outbox`` (publish) and ``GET /v1/:actor/outbox/:id`` (delivery status).

Publishing validates, stores and queues, then answers 202 at once with a link to the status:
the author never waits for followers' servers. Both need the owner's or an admin's signed
request (``inbox.auth.require_owner_or_admin``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from fedicore.vocab import id_of
from inbox.activity_json import JsonProblem, decode_json_object
from inbox.api.http import ApiError, mention_of, request_body
from inbox.auth import require_owner_or_admin
from inbox.delivery.outbox import for_recipients, outbox_problem
from inbox.delivery.queue import ResolveInbox, publish
from inbox.handlers.apply import signing_key
from inbox.storage import deliveries as store
from inbox.storage import outbox as outbox_store
from inbox.storage.actors import get_actor

JSON = "application/json"
log = logging.getLogger("inbox.outbox")


def _inbox_resolver(request: Request[Any, Any, Any], mention: str) -> ResolveInbox | None:
    """Mentioned actors' inboxes through the app's guarded fetcher (shared inbox preferred),
    the GET signed as the publishing blog (servers in authorized-fetch mode answer 401 to
    unsigned ones)."""
    fetcher = getattr(request.app.state, "fetcher", None)
    if fetcher is None:
        return None

    async def resolve(actor_id: str) -> str | None:
        local = await get_actor(request.app.state.db, mention)
        signer = signing_key(local) if local is not None else None
        document = await fetcher.fetch_document(actor_id, signer=signer)
        if not isinstance(document, dict):
            return None
        endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
        found = endpoints.get("sharedInbox") or document.get("inbox")
        return found if isinstance(found, str) else None

    return resolve


@post("/v1/{actor:str}/outbox", status_code=202)
async def publish_activity(request: Request[Any, Any, Any], actor: FromPath[str]) -> Response[Any]:
    """Validate, store, queue; 202 with ``Location`` of the delivery status."""
    mention = mention_of(actor)
    state = request.app.state
    actor_url = await outbox_store.actor_url(state.db, mention)
    if actor_url is None:
        raise ApiError(404, "not_found", f"no local actor {mention}")
    raw = await request_body(request)
    await require_owner_or_admin(request, mention)
    activity = decode_json_object(raw)  # strict: no duplicates, NaN, deep nesting
    if isinstance(activity, JsonProblem):
        raise ApiError(400, "invalid_json", activity.detail)
    problem = outbox_problem(activity, actor_url)
    if problem:
        raise ApiError(422, "invalid_activity", problem)
    job_id, fresh = await publish(
        state.db, actor=mention, activity=for_recipients(activity),
        resolve_inbox=_inbox_resolver(request, mention),
        now=state.clock(),
    )
    if fresh:
        await _maybe_boost(state, mention, activity)
    location = f"/v1/{mention}/outbox/{job_id}"
    counts = await store.job_counts(state.db, job_id)
    return Response(
        {"id": job_id, "activity": id_of(activity), "status": location, "new": fresh, "deliveries": counts},
        status_code=202, media_type=JSON, headers={"Location": location},
    )


async def _maybe_boost(state: Any, mention: str, activity: dict[str, Any]) -> None:
    """A public post of a blog that asked to be announced may get a boost from the
    announcements actor (``inbox.announcements``); the post is published either way."""
    try:
        await state.announcements.blog_published(mention, activity)
    except Exception as exc:  # noqa: BLE001
        log.error("could not queue a boost", extra={"blog": mention, "error": repr(exc)})


@get("/v1/{actor:str}/outbox/{job_id:str}")
async def delivery_status(
    request: Request[Any, Any, Any], actor: FromPath[str], job_id: FromPath[str]
) -> Response[Any]:
    """The published activity with its deliveries: delivered / pending / failed."""
    mention = mention_of(actor)
    db = request.app.state.db
    if await outbox_store.actor_url(db, mention) is None:
        raise ApiError(404, "not_found", f"no local actor {mention}")
    await require_owner_or_admin(request, mention)
    entry = await outbox_store.outbox_activity(db, mention, job_id)
    if entry is None or not entry.get("job_id"):
        raise ApiError(404, "not_found", f"no outbox activity {job_id!r} for {mention}")
    counts = await store.job_counts(db, entry["job_id"])
    return Response(
        {
            "id": entry["job_id"],
            "activity": json.loads(entry["body"]),
            "published_at": entry["created_at"],
            "deliveries": {**counts, "total": sum(counts.values())},
            "problems": await store.job_failures(db, entry["job_id"]),
        },
        media_type=JSON,
    )


ROUTES = [publish_activity, delivery_status]
