"""``PUT/GET/DELETE /v1/{actor}/hooks/{name}``: the owner's webhooks.

Compatible with the Social Inbox (``{url, method, headers}`` for ``moderationqueued``,
``onapproved``, ``onrejected``) plus Fedipress's own events and two optional fields:
``secret`` (signs every call; made for you when absent and shown once, in that answer) and
``format`` (``envelope`` or ``github`` for ``repository_dispatch``). A secret is never shown
again, and header values that look like credentials are masked when read back.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, delete, get, put
from litestar.params import FromPath

from inbox.activity_json import JsonProblem, decode_json_object
from inbox.api.http import ApiError, request_body
from inbox.auth import require_owner_of_registered
from inbox.storage import webhooks as store
from inbox.webhooks.envelope import EVENTS, parse_hook, secret_hint
from inbox.webhooks.worker import refused_target

_SECRET_WORDS = ("authorization", "cookie", "token", "key", "secret", "password")


def _masked(headers: dict[str, str]) -> dict[str, str]:
    return {name: ("…" + value[-4:] if len(value) >= 12 else "…")
            if any(word in name.lower() for word in _SECRET_WORDS) else value
            for name, value in headers.items()}


def _view(hook: store.Hook) -> dict[str, Any]:
    return {"name": hook.name, "url": hook.url, "method": hook.method,
            "headers": _masked(hook.headers), "format": hook.format,
            "secret_hint": secret_hint(hook.secret), "created_at": hook.created_at,
            "updated_at": hook.updated_at}


def _event(name: str) -> str:
    lowered = name.lower()
    if lowered not in EVENTS:
        raise ApiError(404, "unknown_hook", f"hooks are {', '.join(EVENTS)}")
    return lowered


@put("/v1/{actor:str}/hooks/{name:str}", status_code=200, summary="Set a webhook")
async def put_hook(request: Request, actor: FromPath[str], name: FromPath[str]) -> dict[str, Any]:
    event = _event(name)
    state = request.app.state
    body = await request_body(request)
    mention = await require_owner_of_registered(request, actor)
    value = decode_json_object(body)
    if isinstance(value, JsonProblem):
        raise ApiError(400, "invalid_json", value.detail)
    config = parse_hook(value)
    if isinstance(config, str):
        raise ApiError(400, "invalid_hook", config)
    refused = refused_target(config.url, allow_private=state.settings.allow_private_fetch)
    if refused:
        raise ApiError(400, "private_target", refused)
    now = state.clock()
    existing = await store.get_hook(state.db, mention, event)
    secret = config.secret or (existing.secret if existing else None)
    generated = secret is None
    if secret is None:
        secret = secrets.token_hex(32)
    hook = store.Hook(mention, event, config.url, config.method, config.headers, secret,
                      config.format, existing.created_at if existing else now, now)
    await store.put_hook(state.db, hook)
    answer = _view(hook)
    if generated:
        answer["secret"] = secret  # shown this once: the receiver needs it to verify calls
    return answer


@get("/v1/{actor:str}/hooks/{name:str}", summary="Read a webhook and its latest calls")
async def read_hook(request: Request, actor: FromPath[str], name: FromPath[str]) -> dict[str, Any]:
    event = _event(name)
    mention = await require_owner_of_registered(request, actor)
    db = request.app.state.db
    hook = await store.get_hook(db, mention, event)
    if hook is None:
        raise ApiError(404, "no_hook", f"no {event} hook for {mention}")
    return {**_view(hook), "recent": await store.recent_calls(db, mention, event)}


@delete("/v1/{actor:str}/hooks/{name:str}", status_code=200, summary="Remove a webhook")
async def remove_hook(request: Request, actor: FromPath[str], name: FromPath[str]) -> dict[str, Any]:
    event = _event(name)
    mention = await require_owner_of_registered(request, actor)
    state = request.app.state
    if not await store.delete_hook(state.db, mention, event, now=state.clock()):
        raise ApiError(404, "no_hook", f"no {event} hook for {mention}")
    return {"removed": event}


ROUTES = [put_hook, read_hook, remove_hook]
