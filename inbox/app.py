"""``create_app(settings, clock=)``: the Litestar application, its lifespan and its wiring.

``app.state`` carries ``db``, ``settings``, ``fetcher``, ``clock`` (the contract) and the
inbox's own parts: ``writer`` (group commit), ``processor`` (effects), ``actor_cache``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from inbox.announcements import Announcer
from inbox.api import (actors, announcements, collections, desk, doctor, followers, hooks, inbox, instance,
                       moderation, ops, outbox, queue, quotes)
from inbox.api.instance import InstanceActor
from inbox.api.fast_inbox import FastInbox, delivery_route
from inbox.api.http import error_response, problem_of
from inbox.background import Background, background_workers
from inbox.caches import LocalActorCache
from inbox.doctor.round_trip import PendingAccepts
from inbox.doctor.sightings import Sightings
from inbox.fetcher import Fetcher
from inbox.handlers.apply import Effects
from inbox.logs import REQUEST_ID
from inbox.metrics import REQUESTS_BY, DepthHooks
from inbox.processor import ActivityProcessor
from inbox.ratelimit import RateLimiter
from inbox.schema_page import schema_plugins
from inbox.settings import Settings
from inbox.storage import activities as activity_store
from inbox.storage.db import Database
from inbox.storage.group_commit import activity_writer
from inbox import task_dump

log = logging.getLogger("inbox.app")


def _route_handlers() -> list[Any]:
    return [*ops.ROUTES, *inbox.ROUTES, *queue.ROUTES, *collections.ROUTES, *followers.ROUTES,
            *actors.ROUTES, *instance.ROUTES, *outbox.ROUTES, *moderation.ROUTES, *hooks.ROUTES,
            *quotes.ROUTES, *desk.ROUTES, *doctor.ROUTES, *announcements.ROUTES]


def _http_error(request: Request, exc: HTTPException) -> Response:
    return error_response(*problem_of(exc))


def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return error_response(500, "internal", "an unexpected error was logged")


_REQUEST_IDS = itertools.count(1)
_ID_PREFIX = secrets.token_hex(4)  # per process: ids stay unique across restarts and workers


def _next_request_id() -> str:
    """16 hex characters: this process's random prefix, then a counter (cheaper than uuid4)."""
    return f"{_ID_PREFIX}{next(_REQUEST_IDS) & 0xFFFFFFFF:08x}"


def _observe(app: ASGIApp) -> ASGIApp:
    """Request id, per-route metrics and a JSON access line for every HTTP request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = _next_request_id()
        token = REQUEST_ID.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            route = scope.get("path_template") or "unmatched"
            REQUESTS_BY.inc(route, scope["method"], str(status))
            if status >= 400 or log.isEnabledFor(logging.DEBUG):
                log.info("request", extra={"method": scope["method"], "route": route, "status": status,
                                           "ms": round((time.perf_counter() - started) * 1000, 2)})
            REQUEST_ID.reset(token)

    return middleware


class InboxApplication(Litestar):
    """Litestar, with deliveries answered by ``FastInbox`` (see ``inbox.api.fast_inbox``)."""

    fast_inbox: ASGIApp | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        route = delivery_route(scope) if scope["type"] == "http" and self.fast_inbox else None
        if route is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = scope["litestar_app"] = self
        scope.setdefault("state", {})
        scope["path_template"] = route
        await self.fast_inbox(scope, receive, send)


def create_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> Litestar:
    """The inbox application; databases, workers and clients start in its lifespan."""
    state = State({"settings": settings, "clock": clock})

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = await Database.open(settings.database)
        writer = activity_writer(db)
        await writer.start()
        fetcher = Fetcher(allow_private=settings.allow_private_fetch, wall_clock=clock)
        announcer = app.state.announcements = Announcer(db, settings, clock=clock)
        await announcer.ready()  # the announcements actor's row and key, when turned on
        hidden = frozenset() if settings.announcements else frozenset({announcer.actor.mention})
        app.state.actor_cache = LocalActorCache(hidden=hidden)
        processor = ActivityProcessor(db, Effects(db, fetcher, settings, cache=app.state.actor_cache),
                                      clock=clock, lease_seconds=settings.lease_seconds)
        app.state.db, app.state.writer, app.state.fetcher = db, writer, fetcher
        app.state.processor = processor
        app.state.rate_limiter = RateLimiter(rate=settings.rate_limit_per_second,
                                             burst=2 * settings.rate_limit_per_second)
        app.state.follow_limiter = RateLimiter(rate=settings.follows_per_address_per_minute / 60,
                                               burst=settings.follows_per_address_per_minute)
        hooks = DepthHooks()
        hooks.add_depth_hook("activities_unprocessed", lambda: activity_store.count_unprocessed(db))
        app.state.depth_hooks = hooks

        # The inbox's own fetches are signed by its instance actor, never by a tenant.
        app.state.instance_actor = InstanceActor(db, settings.base_url, clock)
        app.state.any_signer = app.state.instance_actor.signer
        app.state.doctor_accepts = PendingAccepts()  # `fedipress doctor` round trips
        app.state.sightings = Sightings(db, clock)
        processor.start()
        task_dump.install()
        background = Background({})
        if settings.run_worker:
            background = Background(background_workers(db, settings, clock=clock))
            app.state.delivery_worker = background.workers["delivery"]
            app.state.webhook_worker = background.workers["webhooks"]
            app.state.moderation_scheduler = background.workers["moderation"]
            background.start()
        try:
            yield
        finally:
            await background.stop()
            await processor.stop()
            await writer.stop()
            await fetcher.close()
            await db.close()

    app = InboxApplication(
        route_handlers=_route_handlers(),
        lifespan=[lifespan],
        state=state,
        middleware=[_observe],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        openapi_config=OpenAPIConfig(title="Fedipress inbox", version="1", path="/schema",
                                     render_plugins=schema_plugins()),  # no CDN scripts
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        logging_config=None,  # logging is ours (inbox.logs): JSON lines, secrets redacted
    )
    app.fast_inbox = _observe(FastInbox(app))
    return app
