"""Deliveries without the framework's per-request layers.

An inbox under load spends its time on ``POST /v1/{actor}/inbox`` and ``POST /v1/inbox``.
Litestar's routing, parameter model, request and response objects cost ~25 µs a request
(measured with a handler that only reads the body), about a tenth of a verified delivery, so
``FastInbox`` answers these two itself: the same ``inbox.api.inbox.receive``, the same JSON
errors (``problem_of``), and the same request id, metrics and logs (the app's observing
middleware wraps it). Anything else, or a path it does not recognise exactly (a trailing
slash, a mounted ``root_path``), goes to Litestar, whose routes for the two inboxes stay
registered and documented in the OpenAPI schema.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar.exceptions import HTTPException
from litestar.types import Receive, Scope, Send

from inbox.api.http import DeliveryRequest, problem_of
from inbox.api.inbox import local_actor, receive

log = logging.getLogger("inbox.app")
SHARED_PATH = "/v1/inbox"
ACTOR_TEMPLATE = "/v1/{actor}/inbox"


def delivery_route(scope: Scope) -> str | None:
    """The route template of a POST this fast path answers, or None."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
        return None
    path = scope["path"]
    if path == SHARED_PATH:
        return SHARED_PATH
    if path.startswith("/v1/") and path.endswith("/inbox"):
        segment = path[4:-6]
        if segment and "/" not in segment:
            return ACTOR_TEMPLATE
    return None


def _json_answer(status: int, error: str, detail: Any,
                 headers: dict[str, str] | None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = msgspec.json.encode({"error": error, "detail": detail})
    extra = [(name.lower().encode("latin-1"), str(value).encode("latin-1"))
             for name, value in (headers or {}).items()]
    return status, extra, body


class FastInbox:
    """ASGI callable for the two delivery routes; ``app`` is the Litestar application."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive_message: Receive, send: Send) -> None:
        route = scope["path_template"]
        try:
            request = DeliveryRequest(self.app, scope, receive_message)
            state = self.app.state
            local = None if route == SHARED_PATH else await local_actor(state, scope["path"][4:-6])
            status, headers, body = await receive(request, local), [], b""
        except HTTPException as exc:
            status, headers, body = _json_answer(*problem_of(exc))
        except Exception as exc:  # noqa: BLE001 - answered as the framework answers it: a 500
            log.error("unhandled error", exc_info=exc)
            status, headers, body = _json_answer(500, "internal", "an unexpected error was logged", None)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *headers]})
        await send({"type": "http.response.body", "body": body})
