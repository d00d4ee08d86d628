"""``POST /v1/:actor/outbox`` (publish) and ``GET /v1/:actor/outbox/:id`` (delivery status).

Publishing validates, stores and queues, then answers 202 at once with a link to the status:
the author never waits for followers' servers. Both need the owner's or an admin's signed
request (``inbox.auth.require_owner_or_admin``).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from litestar import Request, Response, get, post

try:  # Litestar >= 2.2x wants path parameters declared explicitly
    from litestar.params import FromPath
except ImportError:  # pragma: no cover - older Litestar infers them from the plain type

    class FromPath:  # type: ignore[no-redef]
        def __class_getitem__(cls, item: Any) -> Any:
            return item

from fedicore.handles import Handle
from fedicore.vocab import id_of
from inbox.activity_json import JsonProblem, decode_json_object
from inbox.delivery.outbox import for_recipients, outbox_problem
from inbox.delivery.queue import ResolveInbox, publish
from inbox.storage import deliveries as store
from inbox.storage import outbox as outbox_store

JSON = "application/json"


def _error(status: int, error: str, detail: Any) -> Response[Any]:
    return Response({"error": error, "detail": detail}, status_code=status, media_type=JSON)


async def _authorize(request: Request[Any, Any, Any], actor: str) -> None:
    """The management check of the contract; raises its JSON 401/403."""
    from inbox.auth import require_owner_or_admin

    result = require_owner_or_admin(request, actor)
    if inspect.isawaitable(result):
        await result


def _mention(raw: str) -> str | None:
    try:
        return str(Handle.parse(raw))
    except ValueError:
        return None


def _inbox_resolver(request: Request[Any, Any, Any]) -> ResolveInbox | None:
    """Mentioned actors' inboxes through the app's fetcher (shared inbox preferred)."""
    fetcher = getattr(request.app.state, "fetcher", None)
    if fetcher is None:
        return None

    async def resolve(actor_id: str) -> str | None:
        document = await fetcher.fetch_document(actor_id)
        if not isinstance(document, dict):
            return None
        endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
        found = endpoints.get("sharedInbox") or document.get("inbox")
        return found if isinstance(found, str) else None

    return resolve


def _clock(request: Request[Any, Any, Any]) -> float | None:
    clock = getattr(request.app.state, "clock", None)
    return clock() if callable(clock) else None


@post("/v1/{actor:str}/outbox", status_code=202)
async def publish_activity(request: Request[Any, Any, Any], actor: FromPath[str]) -> Response[Any]:
    """Validate, store, queue; 202 with ``Location`` of the delivery status."""
    mention = _mention(actor)
    if mention is None:
        return _error(404, "not_found", f"{actor!r} is not an actor handle")
    db = request.app.state.db
    actor_url = await outbox_store.actor_url(db, mention)
    if actor_url is None:
        return _error(404, "not_found", f"no local actor {mention}")
    limit = getattr(request.app.state.settings, "max_body_bytes", 1048576)
    raw = getattr(request.state, "body", None)
    if raw is None:  # read once; the signature check reads it from request.state too
        raw = await request.body()
        request.state.body = raw
    if len(raw) > limit:
        return _error(413, "too_large", f"the body is larger than {limit} bytes")
    await _authorize(request, mention)
    activity = decode_json_object(raw)  # strict: no duplicates, NaN, deep nesting
    if isinstance(activity, JsonProblem):
        return _error(400, "invalid_json", activity.detail)
    problem = outbox_problem(activity, actor_url)
    if problem:
        return _error(422, "invalid_activity", problem)
    job_id, fresh = await publish(
        db, actor=mention, activity=for_recipients(activity), resolve_inbox=_inbox_resolver(request),
        now=_clock(request),
    )
    location = f"/v1/{mention}/outbox/{job_id}"
    counts = await store.job_counts(db, job_id)
    return Response(
        {"id": job_id, "activity": id_of(activity), "status": location, "new": fresh, "deliveries": counts},
        status_code=202, media_type=JSON, headers={"Location": location},
    )


@get("/v1/{actor:str}/outbox/{job_id:str}")
async def delivery_status(
    request: Request[Any, Any, Any], actor: FromPath[str], job_id: FromPath[str]
) -> Response[Any]:
    """The published activity with its deliveries: delivered / pending / failed."""
    mention = _mention(actor)
    if mention is None:
        return _error(404, "not_found", f"{actor!r} is not an actor handle")
    db = request.app.state.db
    if await outbox_store.actor_url(db, mention) is None:
        return _error(404, "not_found", f"no local actor {mention}")
    await _authorize(request, mention)
    entry = await outbox_store.outbox_activity(db, mention, job_id)
    if entry is None or not entry.get("job_id"):
        return _error(404, "not_found", f"no outbox activity {job_id!r} for {mention}")
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
