"""Moderation routes: the Social Inbox list routes (text/plain, one ``@user@domain`` a line),
plus the audit log, notes, block-from-report and operator domain blocks (Mastodon CSV).

``GET`` lists, ``POST`` adds the lines, ``DELETE`` removes them. A body with one bad line is
refused whole (400 naming the line). ``POST`` takes ``?for=7d`` or ``?expires=<ISO time>`` and
``?reason=``. Per-actor routes: the actor or an admin; global routes: admins only.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.params import FromPath

from inbox.activity_json import JsonProblem, decode_json_object
from inbox.api.http import ApiError, decode_id, mention_of, request_body
from inbox.auth import authenticate, require_owner_or_admin
from inbox.moderation import service
from inbox.moderation.blocklist_csv import parse_blocklist
from inbox.moderation.expiry import expiry_from, iso
from inbox.moderation.patterns import Pattern, parse_list
from inbox.storage import moderation as store

TEXT = "text/plain; charset=utf-8"
_LISTS = {"blocklist": "block", "allowlist": "allow", "admins": "admin"}


async def _owner(request: Request, actor: str) -> tuple[str, str]:
    """(canonical actor mention, signer) for a per-actor route; 401/403/404 otherwise."""
    mention = mention_of(actor)
    signer = await require_owner_or_admin(request, mention)
    if await store.actor_url_of(request.app.state.db, mention) is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return mention, str(signer)


async def _admin(request: Request) -> str:
    """The signer, who must be an admin (config or the /v1/admins list)."""
    signer = await authenticate(request, None)
    if not signer.is_admin:
        raise ApiError(403, "forbidden", f"{signer.handle} is not an admin")
    return str(signer.handle)


async def _body_patterns(request: Request) -> list[Pattern]:
    body = await request_body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_list", "the body is not UTF-8 text") from None
    parsed = parse_list(text)
    if not isinstance(parsed, list):
        raise ApiError(400, "invalid_list", {"line": parsed.line, "text": parsed.text,
                                             "reason": parsed.reason,
                                             "message": str(parsed)})
    if not parsed:
        raise ApiError(400, "invalid_list", "the body holds no entries")
    return parsed


def _expiry(request: Request, now: float) -> float | None:
    try:
        return expiry_from(for_=request.query_params.get("for"),
                           expires=request.query_params.get("expires"), now=now)
    except ValueError as exc:
        raise ApiError(400, "invalid_expiry", str(exc)) from None


async def _list_text(request: Request, scope: str, list_name: str) -> Response:
    state = request.app.state
    now = state.clock()
    entries = await store.list_entries(state.db, scope, list_name)
    lines = [e.pattern for e in entries if e.expires_at is None or e.expires_at > now]
    return Response("".join(f"{line}\n" for line in lines), media_type=TEXT)


async def _change(request: Request, scope: str, list_name: str, who: str, *, add: bool) -> Response:
    state = request.app.state
    now = state.clock()
    patterns = await _body_patterns(request)
    reason = (request.query_params.get("reason") or "")[:1000]
    if add:
        change = await service.add_to_list(
            state.db, scope=scope, list_name=list_name, patterns=patterns, who=who, now=now,
            reason=reason, expires_at=_expiry(request, now), admins=state.settings.admins)
    else:
        change = await service.remove_from_list(
            state.db, scope=scope, list_name=list_name, patterns=patterns, who=who, now=now,
            reason=reason, admins=state.settings.admins)
    _forget_cached_blocks(request)
    return Response({"changed": change.changed, **change.effects.counts()},
                    media_type="application/json")


def _forget_cached_blocks(request: Request) -> None:
    """The inbox caches domain-block answers for a few seconds; a change must apply at once."""
    cache = getattr(request.app.state, "actor_cache", None)
    if cache is not None and hasattr(cache, "clear"):
        cache.clear()


# ---- per-actor lists ---------------------------------------------------------------------

def _actor_routes(which: str) -> list[Any]:
    list_name = _LISTS[which]
    path = f"/v1/{{actor:str}}/{which}"

    @get(path, summary=f"An actor's {which} (text/plain)", name=f"get_actor_{which}")
    async def read(request: Request, actor: FromPath[str]) -> Response:
        mention, _ = await _owner(request, actor)
        return await _list_text(request, mention, list_name)

    @post(path, status_code=200, summary=f"Add lines to an actor's {which}",
          name=f"post_actor_{which}")
    async def add(request: Request, actor: FromPath[str]) -> Response:
        mention, who = await _owner(request, actor)
        return await _change(request, mention, list_name, who, add=True)

    @delete(path, status_code=200, summary=f"Remove lines from an actor's {which}",
            name=f"delete_actor_{which}")
    async def remove(request: Request, actor: FromPath[str]) -> Response:
        mention, who = await _owner(request, actor)
        return await _change(request, mention, list_name, who, add=False)

    return [read, add, remove]


# ---- global lists --------------------------------------------------------------------------

def _global_routes(which: str) -> list[Any]:
    list_name = _LISTS[which]

    @get(f"/v1/{which}", summary=f"The global {which} (admins)", name=f"get_global_{which}")
    async def read(request: Request) -> Response:
        await _admin(request)
        return await _list_text(request, service.GLOBAL, list_name)

    @post(f"/v1/{which}", status_code=200, summary=f"Add lines to the global {which}",
          name=f"post_global_{which}")
    async def add(request: Request) -> Response:
        who = await _admin(request)
        return await _change(request, service.GLOBAL, list_name, who, add=True)

    @delete(f"/v1/{which}", status_code=200, summary=f"Remove lines from the global {which}",
            name=f"delete_global_{which}")
    async def remove(request: Request) -> Response:
        who = await _admin(request)
        return await _change(request, service.GLOBAL, list_name, who, add=False)

    return [read, add, remove]


# ---- audit, notes, block from a report -----------------------------------------------------

def _audit_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "at": iso(r["at"]), "scope": r["scope"], "who": r["who"],
             "action": r["action"], "target": r["target"], "reason": r["reason"],
             "detail": r["detail"], "expires": iso(r["expires_at"]), "expired": r["expired"]}
            for r in rows]


def _limit(request: Request) -> tuple[int, int | None]:
    try:
        limit = int(request.query_params.get("limit") or 50)
        before = request.query_params.get("before")
        before_id = int(before) if before else None
    except ValueError:
        raise ApiError(400, "bad_paging", "limit and before must be numbers") from None
    return max(1, min(limit, 500)), before_id


@get("/v1/{actor:str}/audit", summary="The actor's moderation audit log, newest first")
async def actor_audit(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention, _ = await _owner(request, actor)
    limit, before = _limit(request)
    rows = await service.audit_view(request.app.state.db, scope=mention,
                                    now=request.app.state.clock(), limit=limit, before_id=before)
    return {"items": _audit_json(rows)}


@get("/v1/audit", summary="The global moderation audit log (admins)")
async def global_audit(request: Request) -> dict[str, Any]:
    await _admin(request)
    limit, before = _limit(request)
    rows = await service.audit_view(request.app.state.db, scope=None,
                                    now=request.app.state.clock(), limit=limit, before_id=before)
    return {"items": _audit_json(rows)}


async def _json_body(request: Request) -> dict[str, Any]:
    value = decode_json_object(await request_body(request))
    if isinstance(value, JsonProblem):
        raise ApiError(400, "invalid_json", value.detail)
    return value


@get("/v1/{actor:str}/notes", summary="The actor's notes on remote actors and domains")
async def read_notes(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention, _ = await _owner(request, actor)
    target = request.query_params.get("target")
    try:
        wanted = service.normalise_target(target) if target else None
    except ValueError as exc:
        raise ApiError(400, "invalid_target", str(exc)) from None
    rows = await store.notes(request.app.state.db, scope=mention, target=wanted)
    return {"items": [{"id": r["id"], "target": r["target"], "author": r["author"],
                       "body": r["body"], "at": iso(r["created_at"])} for r in rows]}


@post("/v1/{actor:str}/notes", status_code=201, summary="Add a note on a remote actor or domain")
async def add_note(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention, who = await _owner(request, actor)
    value = await _json_body(request)
    target, body = value.get("target"), value.get("body")
    if not isinstance(target, str) or not isinstance(body, str):
        raise ApiError(400, "invalid_note", "expected {\"target\": \"@user@domain\", \"body\": \"...\"}")
    try:
        note_id = await service.add_note(request.app.state.db, scope=mention, target=target,
                                         author=who, body=body, now=request.app.state.clock())
    except ValueError as exc:
        raise ApiError(400, "invalid_note", str(exc)) from None
    return {"id": note_id}


@post("/v1/{actor:str}/blocklist/from/{item:path}", status_code=200,
      summary="Block the sender of a queued item (a report); ?domain=true blocks their domain")
async def block_from_report(request: Request, actor: FromPath[str],
                            item: FromPath[str]) -> dict[str, Any]:
    mention, who = await _owner(request, actor)
    state = request.app.state
    now = state.clock()
    whole_domain = (request.query_params.get("domain") or "").lower() in ("1", "true", "yes")
    change = await service.block_from_report(
        state.db, actor=mention, activity_id=decode_id(item), who=who, now=now,
        reason=(request.query_params.get("reason") or "")[:1000],
        expires_at=_expiry(request, now), whole_domain=whole_domain, admins=state.settings.admins)
    if change is None:
        raise ApiError(404, "unknown_item", "no such item in this actor's inbox")
    _forget_cached_blocks(request)
    return {**change.detail, **change.effects.counts()}


# ---- operator domain blocks (Mastodon CSV) --------------------------------------------------

@get("/v1/domainblocks", summary="Domain blocks as a Mastodon CSV (admins)")
async def read_domain_blocks(request: Request) -> Response:
    await _admin(request)
    rows = await store.domain_block_rows(request.app.state.db)
    now = request.app.state.clock()
    lines = ["#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"]
    for r in rows:
        if r.expires_at is not None and r.expires_at <= now:
            continue
        comment = '"' + r.public_comment.replace('"', '""') + '"' if r.public_comment else ""
        lines.append(f"{r.domain},{r.severity},{str(r.reject_media).lower()},"
                     f"{str(r.reject_reports).lower()},{comment},{str(r.obfuscate).lower()}")
    return Response("\n".join(lines) + "\n", media_type="text/csv; charset=utf-8")


@post("/v1/domainblocks", status_code=200, summary="Add domain blocks from a Mastodon CSV (admins)")
async def add_domain_blocks(request: Request) -> dict[str, Any]:
    who = await _admin(request)
    state = request.app.state
    now = state.clock()
    try:
        parsed = parse_blocklist((await request_body(request)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_blocklist", str(exc)) from None
    expires_at = _expiry(request, now)
    removed = hidden = 0
    for entry in parsed.entries:
        change = await service.block_domain(state.db, entry, who=who, now=now,
                                            expires_at=expires_at, admins=state.settings.admins)
        removed += change.effects.followers_removed
        hidden += change.effects.items_hidden
    _forget_cached_blocks(request)
    return {"added": len(parsed.entries), "skipped": [str(p) for p in parsed.skipped],
            "followers_removed": removed, "items_hidden": hidden}


@delete("/v1/domainblocks/{domain:str}", status_code=200, summary="Lift a domain block (admins)")
async def delete_domain_block(request: Request, domain: FromPath[str]) -> dict[str, Any]:
    who = await _admin(request)
    state = request.app.state
    change = await service.unblock_domain(state.db, domain.lower(), who=who, now=state.clock(),
                                          admins=state.settings.admins)
    if not change.changed:
        raise ApiError(404, "not_blocked", f"{domain} is not blocked")
    _forget_cached_blocks(request)
    return {"removed": change.changed, **change.effects.counts()}


ROUTES: list[Any] = [
    *_actor_routes("blocklist"), *_actor_routes("allowlist"),
    *_global_routes("blocklist"), *_global_routes("allowlist"), *_global_routes("admins"),
    actor_audit, global_audit, read_notes, add_note, block_from_report,
    read_domain_blocks, add_domain_blocks, delete_domain_block,
]
