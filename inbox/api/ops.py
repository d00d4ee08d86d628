"""Operator endpoints: liveness, readiness (the database answers), Prometheus metrics."""

from __future__ import annotations

import hmac

from litestar import Request, Response, get

from inbox.api.http import ApiError
from inbox.metrics import exposition


@get("/healthz", summary="Liveness", include_in_schema=True)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", summary="Readiness: the database answers")
async def readyz(request: Request) -> dict[str, object]:
    try:
        version = await request.app.state.db.schema_version()
    except Exception as exc:
        raise ApiError(503, "not_ready", f"database: {type(exc).__name__}",
                       headers={"Retry-After": "5"}) from None
    return {"status": "ready", "schema_version": version}


@get("/metrics", summary="Prometheus metrics (a bearer token when metrics_token is set)")
async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ApiError(401, "unauthorized", "metrics need the operator's bearer token",
                           headers={"WWW-Authenticate": "Bearer"})
    await request.app.state.depth_hooks.refresh()
    body, content_type = exposition()
    return Response(body, media_type=content_type)


ROUTES = [healthz, readyz, metrics]
