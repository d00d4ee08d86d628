"""The announcements actor on the web: its document at ``/announcements``, WebFinger for
``acct:announcements@<inbox host>``, its outbox and its Notes. Everything answers 404 while
the operator has not turned it on (``announcements = false``, the default). Its inbox and
followers are every local actor's (``/v1/{mention}/inbox``, ``/v1/{mention}/followers``)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery

from fedicore.vocab import AS_CONTEXT, JRD_JSON
from inbox.announcements.actor import PATH
from inbox.api.http import ApiError, activity_response
from inbox.storage import announcements as store

PAGE = 20


def switched_off(state: Any, mention: str) -> bool:
    """Is ``mention`` the announcements actor while the operator has it off? (Its row stays
    when it is turned off, with its followers, for the day it is turned on again.)"""
    return not state.settings.announcements and mention == state.announcements.actor.mention


def _announcer(request: Request):
    state = request.app.state
    if not state.settings.announcements:
        raise ApiError(404, "not_found", "this inbox has no announcements actor")
    return state.announcements


@get("/.well-known/webfinger", summary="WebFinger, for the announcements actor only")
async def webfinger(request: Request, resource: FromQuery[str | None] = None) -> Response:
    if not resource:
        raise ApiError(400, "bad_resource", "resource=acct:user@host is required")
    announcer = _announcer(request)
    if not announcer.actor.names(resource):
        raise ApiError(404, "not_found", "no such account here")
    return Response(announcer.actor.webfinger(), media_type=JRD_JSON,
                    headers={"Access-Control-Allow-Origin": "*"})


@get(PATH, summary="The announcements actor (a Service), when the operator turned it on")
async def announcements_actor(request: Request) -> Response:
    announcer = _announcer(request)
    actor = await announcer.ready()
    return activity_response(request, announcer.actor.document(actor.public_key_pem))


@get(f"{PATH}/outbox", summary="What the announcements actor published, newest first")
async def announcements_outbox(request: Request, page: FromQuery[int | None] = None) -> Response:
    announcer = _announcer(request)
    db, who = request.app.state.db, announcer.actor
    total = await store.count_published(db, who.mention)
    if page is None:
        return activity_response(request, {"@context": AS_CONTEXT, "id": who.outbox, "type": "OrderedCollection",
                                           "totalItems": total, "first": f"{who.outbox}?page=1"})
    if not 1 <= page <= 100_000:
        raise ApiError(400, "bad_paging", "page must be 1..100000")
    bodies = await store.published_page(db, who.mention, skip=(page - 1) * PAGE, limit=PAGE)
    answer: dict[str, Any] = {"@context": AS_CONTEXT, "id": f"{who.outbox}?page={page}",
                              "type": "OrderedCollectionPage", "partOf": who.outbox,
                              "orderedItems": [json.loads(body) for body in bodies]}
    if page * PAGE < total:
        answer["next"] = f"{who.outbox}?page={page + 1}"
    return activity_response(request, answer)


@get(f"{PATH}/notes/{{announcement:str}}", summary="A Note the announcements actor published")
async def announcement_note(request: Request, announcement: FromPath[str]) -> Response:
    announcer = _announcer(request)
    who = announcer.actor
    body = await store.published(request.app.state.db, who.mention, who.activity_id(announcement))
    note = json.loads(body).get("object") if body else None
    if not isinstance(note, dict) or note.get("id") != who.note_id(announcement):
        raise ApiError(404, "not_found", "no such note")
    return activity_response(request, {"@context": AS_CONTEXT, **note})


@get(f"{PATH}/activities/{{announcement:str}}", summary="An activity the announcements actor published")
async def announcement_activity(request: Request, announcement: FromPath[str]) -> Response:
    announcer = _announcer(request)
    who = announcer.actor
    body = await store.published(request.app.state.db, who.mention, who.activity_id(announcement))
    if body is None:
        raise ApiError(404, "not_found", "no such activity")
    return activity_response(request, json.loads(body))


ROUTES = [webfinger, announcements_actor, announcements_outbox, announcement_note, announcement_activity]
