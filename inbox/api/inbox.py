"""The inboxes: ``POST /v1/{actor}/inbox`` and the shared ``POST /v1/inbox``.

Only verification and a durable store happen here (see ``inbox.verification``); effects run in
``inbox.processor`` afterwards. An id seen before is answered 202 and not processed again.

Deliveries are the one request a busy inbox gets by the thousand, so ``inbox.api.fast_inbox``
answers them without the framework's routing, parameter and response layers, calling
``receive`` below as these routes do; the routes stay for the OpenAPI document and for any
request the fast path leaves to Litestar.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from litestar import Request, Response, post
from litestar.params import FromPath

from inbox.api.http import ApiError, DeliveryRequest, mention_of, read_body, signature_request
from inbox.fetcher import SigningKey
from inbox.metrics import ACTIVITIES_BY, PROOFS_BY, SIGNATURE_FAILURES
from inbox.storage.actors import LocalActor, was_removed
from inbox.storage.group_commit import ReceivedActivity
from inbox.storage.activities import knows_remote_actor
from inbox.storage.proofs import record_proof
from inbox.verification import Refusal, Skipped, Verified, verify_delivery

log = logging.getLogger("inbox.receive")


def _refused(refusal: Refusal) -> Response:
    SIGNATURE_FAILURES.labels(reason=refusal.reason).inc()
    log.info("delivery refused", extra={"status": refusal.status, "reason": refusal.reason,
                                        "detail": refusal.detail[:300]})
    headers = {"Retry-After": str(refusal.retry_after)} if refusal.retry_after else None
    raise ApiError(refusal.status, refusal.error, refusal.detail, headers=headers)


MAX_PENDING_WRITES = 5000
# Activity types counted by name in the metrics; anything else (senders choose the type) is
# "other", so a sender cannot grow the metrics with made-up type names.
COUNTED_TYPES = frozenset({"Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like",
                           "Announce", "Flag", "Move", "Add", "Remove", "Block", "EmojiReact",
                           "QuoteRequest"})


def client_address(request: Request, trust_forwarded: bool) -> str:
    """The sender's address; behind a trusted proxy, the one it appended to X-Forwarded-For."""
    if trust_forwarded:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[-1].strip() or "unknown"
    return request.client.host if request.client else "unknown"


ACCEPTED = 202
# What an ActivityPub delivery is sent as (parameters such as charset or profile aside).
ACTIVITY_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})


async def receive(request: Request, local: LocalActor | None) -> int:
    """Verify and store one delivery: 202, or an ``ApiError`` saying why not. ``request`` is a
    Litestar request or anything with its ``app``, ``headers``, ``client``, ``method``,
    ``scope`` and ``stream()`` (``inbox.api.fast_inbox.DeliveryRequest``)."""
    state = request.app.state
    settings = state.settings
    client = client_address(request, settings.trust_forwarded)
    wait = state.rate_limiter.retry_after(client)
    if wait is not None:
        SIGNATURE_FAILURES.labels(reason="rate_limited").inc()
        raise ApiError(429, "too_many_requests", "slow down", headers={"Retry-After": str(wait)})
    if state.writer.queued > MAX_PENDING_WRITES:
        raise ApiError(503, "overloaded", "too many deliveries waiting to be stored",
                       headers={"Retry-After": "30"})
    # A body declared as something else is refused unread; one with no type at all goes on to
    # the signature checks (which answer 401, the answer RFC 9421-first senders rely on).
    media_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type and media_type not in ACTIVITY_MEDIA_TYPES:
        SIGNATURE_FAILURES.labels(reason="content_type").inc()
        raise ApiError(415, "unsupported_media_type",
                       "deliveries are application/activity+json or application/ld+json")
    body = await read_body(request, settings.max_body_bytes)
    now = state.clock()
    scope = local.mention if local else ""
    signer = SigningKey(local.public_key_id, local.private_key_pem) if local else await state.any_signer()

    async def blocked(domain: str) -> bool:
        return await state.actor_cache.domain_blocked(state.db, settings, scope, domain, now)

    verified = await verify_delivery(signature_request(request, settings, body), fetcher=state.fetcher,
                                     signer=signer, domain_blocked=blocked, now=now,
                                     known_actor=lambda actor: knows_remote_actor(state.db, actor))
    if isinstance(verified, Refusal):
        return _refused(verified)
    if isinstance(verified, Skipped):
        ACTIVITIES_BY.inc("Delete", "skipped")
        return ACCEPTED
    activity = verified.activity
    if local is not None:  # when this server last delivered to the blog (fedipress doctor --host)
        await state.sightings.saw(local.mention, urlsplit(verified.key.owner).netloc, "delivery",
                                  verified.key.key_id)
    if activity["type"] == "Follow":
        # Each new follower costs an actor fetch, an Accept and a backfill: one address gets
        # a bounded number of Follows a minute (after verification, before anything is stored).
        wait = state.follow_limiter.retry_after(client)
        if wait is not None:
            SIGNATURE_FAILURES.labels(reason="too_many_follows").inc()
            raise ApiError(429, "too_many_follows", "too many Follows from this address; retry later",
                           headers={"Retry-After": str(wait)})
    row = ReceivedActivity(id=activity["id"], actor=activity["actor"], type=activity["type"][:64],
                           inbox_mention=local.mention if local else None, raw=body, received_at=now)
    try:
        new = await state.writer.store(row)
    except Exception as exc:
        log.error("could not store an activity", extra={"error": repr(exc)})
        raise ApiError(503, "overloaded", "the activity could not be stored; retry later",
                       headers={"Retry-After": "30"}) from None
    ACTIVITIES_BY.inc(row.type if row.type in COUNTED_TYPES else "other", "new" if new else "duplicate")
    if new and verified.proof is not None:
        await _record_proof(state, activity["id"], verified, now)
    if new:
        state.processor.wake()
    return ACCEPTED


async def _record_proof(state, activity_id: str, verified: Verified, now: float) -> None:
    proof = verified.proof
    assert proof is not None
    PROOFS_BY.inc(proof.result)
    try:
        await record_proof(state.db, activity_id, result=proof.result, detail=proof.detail,
                           verification_method=proof.verification_method,
                           forwarded=verified.forwarded, now=now)
    except Exception as exc:  # the activity is stored; its proof note is not worth a retry
        log.error("could not record a proof check", extra={"error": repr(exc)})


async def local_actor(state, segment: str) -> LocalActor:
    """The local actor a ``/v1/{actor}/inbox`` path names, or a 404/410 ``ApiError``."""
    mention = mention_of(segment)
    local = await state.actor_cache.get(state.db, mention)  # None for a hidden one (switched off)
    if local is None:
        if await was_removed(state.db, mention):
            raise ApiError(410, "gone", f"{mention} was removed from this inbox")
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return local


def _accepted(status: int) -> Response:
    return Response(b"", status_code=status, media_type="application/json")


def _delivery(request: Request) -> DeliveryRequest:
    return DeliveryRequest(request.app, request.scope, request.receive)


@post("/v1/{actor:str}/inbox", status_code=202, summary="ActivityPub inbox of a local actor")
async def actor_inbox(request: Request, actor: FromPath[str]) -> Response:
    local = await local_actor(request.app.state, actor)
    return _accepted(await receive(_delivery(request), local))


@post("/v1/inbox", status_code=202, summary="Shared inbox: routed to the local actors concerned")
async def shared_inbox(request: Request) -> Response:
    return _accepted(await receive(_delivery(request), None))


ROUTES = [actor_inbox, shared_inbox]
