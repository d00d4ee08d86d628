"""What ``fedipress doctor`` asks the inbox (signed by the blog, or an admin):

- ``POST /v1/{actor}/doctor/round-trip?wait=S``: the instance actor follows the blog through
  its public URLs and unfollows it (``inbox.doctor.round_trip``); the timed steps come back;
- ``GET /v1/{actor}/doctor/peer?host=H`` or ``?who=@user@host``: what the inbox knows about
  that server or person (``inbox.doctor.peer``);
- ``POST /actor/inbox``: the instance actor's inbox. It takes only verified signed requests,
  and keeps nothing: an ``Accept``/``Reject`` the doctor awaits ends its wait.
"""

from __future__ import annotations

import math
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from fedicore.handles import Handle
from inbox.activity_json import JsonProblem, decode_json_object
from inbox.api.http import ApiError, mention_of, request_body, signature_request
from inbox.auth import require_owner_or_admin
from inbox.doctor.peer import peer_report
from inbox.doctor.round_trip import RoundTrip
from inbox.storage.actors import get_actor
from inbox.verification import Refusal, verify_signed_request


async def _owned(request: Request, actor: str):
    mention = mention_of(actor)
    await require_owner_or_admin(request, mention)
    local = await get_actor(request.app.state.db, mention)
    if local is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return local


@post("/v1/{actor:str}/doctor/round-trip", status_code=200,
      summary="The instance actor follows and unfollows the blog; the timed steps")
async def round_trip(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    local = await _owned(request, actor)
    raw = request.query_params.get("wait") or "30"
    try:
        wait = float(raw)
    except ValueError:
        wait = math.nan
    if not math.isfinite(wait):
        raise ApiError(400, "bad_wait", "wait is a number of seconds")
    steps = await RoundTrip(request.app.state, local, wait=wait).run()
    return {"actor": local.mention, "follower": request.app.state.instance_actor.id, "steps": steps}


@get("/v1/{actor:str}/doctor/peer", summary="What the inbox knows about one remote server or person")
async def peer(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    local = await _owned(request, actor)
    query = request.query_params
    who = None
    if query.get("who"):
        try:
            who = Handle.parse(query["who"])
        except ValueError as exc:
            raise ApiError(400, "bad_mention", str(exc)) from None
    host = who.domain if who else (query.get("host") or "").strip().lower()
    if not host or "/" in host or "@" in host:
        raise ApiError(400, "bad_host", "give host=example.social or who=@user@host")
    state = request.app.state
    return await peer_report(state.db, state.settings, local.mention, host=host, who=who,
                             now=state.clock())


@post("/actor/inbox", status_code=202, summary="The instance actor's inbox (answers to the doctor's follows)")
async def instance_inbox(request: Request) -> Response:
    state = request.app.state
    body = await request_body(request)
    if not (request.headers.get("signature") or request.headers.get("signature-input")):
        raise ApiError(401, "unsigned", "the request carries no HTTP signature")
    activity = decode_json_object(body)
    if isinstance(activity, JsonProblem) or not isinstance(activity, dict):
        raise ApiError(400, "invalid_json", getattr(activity, "detail", "not a JSON object"))
    if not state.doctor_accepts.awaits(activity):  # it keeps nothing: no key fetched for it
        return Response(b"", status_code=202, media_type="application/json")

    async def never_blocked(domain: str) -> bool:
        return False  # it keeps nothing; an Accept must reach the doctor even from a blocked host

    key = await verify_signed_request(signature_request(request, state.settings, body),
                                      fetcher=state.fetcher, signer=await state.instance_actor.signer(),
                                      domain_blocked=never_blocked, now=state.clock())
    if isinstance(key, Refusal):
        raise ApiError(key.status, key.error, key.detail)
    if activity.get("actor") == key.owner:
        state.doctor_accepts.answered(activity, key.key_id)
    return Response(b"", status_code=202, media_type="application/json")


ROUTES = [round_trip, peer, instance_inbox]
