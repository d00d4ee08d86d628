"""The author's desk, read by ``fedipress queue|replies|followers|desk`` (signed by the blog):

- ``GET /v1/{actor}/desk/items?state=queued|approved|hidden|all&kind=&limit=``: items with who
  sent them (the recorded ``@user@host``), what they answer and a plain-text excerpt;
- ``GET /v1/{actor}/desk/followers``: followers with their handle and since when;
- ``GET``/``PUT /v1/{actor}/rules``: the author's moderation rules (``AuthorRules``);
- ``POST /v1/{actor}/feed``: a new secret for the private Atom feed (the old URL stops working);
- ``GET /feeds/{secret}``: that feed (unsigned: feed readers cannot sign; the secret is the key).
"""

from __future__ import annotations

import html
import re
import secrets
from typing import Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.params import FromPath

from fedicore.consent import withheld_reason
from inbox.activity_json import decode_json_object
from inbox.api.http import ApiError, request_body
from inbox.auth import require_owner_of_registered
from inbox.handlers.apply import signing_key
from inbox.moderation.author_rules import parse_rules
from inbox.moderation.author_service import forget, rules_of
from inbox.moderation.effects import guess_sender
from inbox.notifications import atom_feed
from inbox.storage import desk as store
from inbox.storage.actors import get_actor

STATES = {"queued": ("queued",), "approved": ("approved",), "hidden": ("hidden",),
          "all": ("queued", "approved", "hidden")}
_TAG = re.compile(r"<[^>]*>")


def excerpt(content_html: str | None, size: int = 140) -> str:
    """Plain text of (already sanitised) reply HTML, cut at ``size`` characters."""
    text = " ".join(html.unescape(_TAG.sub(" ", content_html or "")).split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def item_view(row: dict[str, Any]) -> dict[str, Any]:
    handle = row.get("author_handle")
    if not handle:
        who = guess_sender(row["author"], {})
        handle = f"@{who.user}@{who.domain}" if who is not None else row["author"]
    return {"activity_id": row["activity_id"], "kind": row["kind"], "state": row["state"],
            "author": row["author"], "author_handle": handle, "object_id": row["object_id"],
            "note_id": row["note_id"], "content_html": row["content_html"],
            "excerpt": excerpt(row["content_html"]), "created_at": row["created_at"],
            "updated_at": row["updated_at"]}


def _limit(raw: str | None, default: int, most: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise ApiError(400, "bad_limit", f"limit must be 1-{most}")
    return int(raw)


@get("/v1/{actor:str}/desk/items", summary="The author's items with their senders, newest first")
async def desk_items(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = await require_owner_of_registered(request, actor)
    query = request.query_params  # ``state`` is a name litestar keeps for itself
    state = query.get("state") or "queued"
    if state not in STATES:
        raise ApiError(400, "bad_state", f"state is one of {', '.join(STATES)}")
    limit = _limit(query.get("limit"), 100, 500)
    kinds = tuple(k for k in (query.get("kind") or "").split(",") if k) or None
    rows = await store.items_view(request.app.state.db, mention, states=STATES[state],
                                  kinds=kinds, since=None, limit=limit)
    views = [item_view(row) for row in rows]
    await _with_consent(request, mention, rows, views)
    return {"actor": mention, "state": state, "items": views}


async def _with_consent(request: Request, mention: str, rows: list[dict[str, Any]],
                        views: list[dict[str, Any]]) -> None:
    """``public_page`` of each reply: how the blog will show it (fedicore.consent), and why.
    Author documents come from the fetcher's cache (fetched at most once per author)."""
    state = request.app.state
    rules = await rules_of(state.db, mention)
    local = await get_actor(state.db, mention)
    authors: dict[str, Any] = {}
    for row, view in zip(rows, views):
        if row["kind"] != "reply" or local is None:
            continue
        if row["author"] not in authors:
            found = await state.fetcher.fetch_document(row["author"], signer=signing_key(local))
            authors[row["author"]] = found if isinstance(found, dict) else None
        activity = decode_json_object(bytes(row["raw"]))
        note = activity.get("object") if isinstance(activity, dict) else None
        why = withheld_reason(note, authors[row["author"]], rules.noblog_tag)
        view["public_page"] = ({"shown": "in full"} if why is None else
                               {"shown": "not at all" if rules.unconsented == "hide"
                                else "without name and avatar", "why": why})


@get("/v1/{actor:str}/desk/followers", summary="Followers with their handle and since when")
async def desk_followers(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = await require_owner_of_registered(request, actor)
    limit = _limit(request.query_params.get("limit"), 500, 5000)
    rows = await store.followers_view(request.app.state.db, mention, limit=limit)
    for row in rows:
        if not row["handle"]:
            who = guess_sender(row["follower_id"], {})
            row["handle"] = f"@{who.user}@{who.domain}" if who is not None else row["follower_id"]
    return {"actor": mention, "followers": rows}


@get("/v1/{actor:str}/rules", summary="The author's moderation rules")
async def get_rules(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = await require_owner_of_registered(request, actor)
    return msgspec.to_builtins(await rules_of(request.app.state.db, mention))


@put("/v1/{actor:str}/rules", status_code=200, summary="Set the author's moderation rules")
async def put_rules(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = await require_owner_of_registered(request, actor)
    try:
        rules = parse_rules(await request_body(request))
    except ValueError as exc:
        raise ApiError(400, "invalid_rules", str(exc)) from None
    state = request.app.state
    await store.put_rules(state.db, mention, msgspec.json.encode(rules).decode(), now=state.clock())
    forget(state.db, mention)
    return msgspec.to_builtins(rules)


@post("/v1/{actor:str}/feed", status_code=200, summary="A new secret URL for the private feed")
async def rotate_feed(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = await require_owner_of_registered(request, actor)
    state = request.app.state
    secret = secrets.token_urlsafe(24)
    await store.put_feed_secret(state.db, mention, secret, now=state.clock())
    return {"url": f"{state.settings.base_url}/feeds/{secret}"}


@get("/feeds/{secret:str}", summary="The author's private feed of queue items and interactions")
async def private_feed(request: Request, secret: FromPath[str]) -> Response:
    db = request.app.state.db
    mention = await store.actor_of_feed_secret(db, secret) if len(secret) >= 24 else None
    if mention is None:
        raise ApiError(404, "unknown_feed", "no feed at this address (was the secret rotated?)")
    rows = await store.items_view(db, mention, states=STATES["all"], kinds=None, since=None,
                                  limit=50)
    url = f"{request.app.state.settings.base_url}/feeds/{secret}"
    body = atom_feed(mention, url, [item_view(row) for row in rows])
    return Response(body, media_type="application/atom+xml; charset=utf-8",
                    headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
                             "X-Robots-Tag": "noindex"})


ROUTES = [desk_items, desk_followers, get_rules, put_rules, rotate_feed, private_feed]
