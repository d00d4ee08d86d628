"""The inbox POST pipeline, cheapest refusals first, as errors-as-values.

Order: (body size is checked while reading, before this) signature header → coverage, digest,
date and host, which need no key (401, nothing fetched) → blocked keyId domain (403, nothing
fetched) → key fetch (503 + Retry-After when unreachable) → the signature itself (401; on a bad
signature the key is refetched once, for rotation) → strict JSON (400) → ``activity.actor``
equals the key's owner (401) → the activity's id on the actor's origin (400, nothing stored).

Refusals never echo what a remote server answered (its status, its text, its addresses): the
detail says which of our checks failed; the fetcher's own words go to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fedicore.handles import domain_of_url
from fedicore.httpsig import HttpRequest, SignatureFailure, check_without_key, parse_signature, verify_request
from inbox.activity_json import JsonProblem, decode_json_object, parse_activity
from inbox.fetcher import FetchFailure, Fetcher, RemoteKey, SigningKey
from inbox.handlers.common import same_origin
from inbox.proofs import ProofOutcome, check_proof, has_proof

log = logging.getLogger("inbox.verification")

RETRY_AFTER_SECONDS = 120
# The self-Delete shortcut reads JSON before any crypto; Mastodon's are ~2 KiB. Anything
# bigger goes the normal way (signature first), so unsigned bodies cost no JSON parsing.
MAX_SELF_REMOVAL_BYTES = 16384


@dataclass(frozen=True, slots=True)
class Refusal:
    """An answer other than 202: status, the JSON error, and a metrics reason."""

    status: int
    error: str
    detail: str
    reason: str
    retry_after: int | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """Answered 202 without verifying or storing (a self-Delete of an actor never seen here)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Verified:
    activity: dict[str, Any]
    key: RemoteKey
    proof: ProofOutcome | None = None  # what its object integrity proof came to, if it had one
    forwarded: bool = False  # signed by another than its actor, accepted on its proof


DomainBlocked = Callable[[str], Awaitable[bool]]
KnownActor = Callable[[str], Awaitable[bool]]


def self_removal_actor(body: bytes, key_id: str) -> str | None:
    """The actor of a Delete/Update of itself signed with its own key, read cheaply, or None."""
    if len(body) > MAX_SELF_REMOVAL_BYTES or (b'"Delete"' not in body and b'"Update"' not in body):
        return None
    activity = parse_activity(body)
    if isinstance(activity, JsonProblem) or activity["type"] not in ("Delete", "Update"):
        return None
    target = activity.get("object")
    target_id = target.get("id") if isinstance(target, dict) else target
    if target_id != activity["actor"] or key_id.partition("#")[0] != activity["actor"]:
        return None
    return activity["actor"]


def _signature_refusal(failure: SignatureFailure) -> Refusal:
    return Refusal(401, "invalid_signature", f"{failure.reason}: {failure.detail}", failure.reason)


async def verify_signed_request(
    req: HttpRequest, *, fetcher: Fetcher, signer: SigningKey | None,
    domain_blocked: DomainBlocked, now: float, known_actor: KnownActor | None = None,
) -> RemoteKey | Refusal | Skipped:
    """Who signed ``req`` (a verified key), or why not. Used by the inbox and management routes."""
    parsed = parse_signature(req)
    if isinstance(parsed, SignatureFailure):
        return _signature_refusal(parsed)
    cheap = check_without_key(req, parsed, now=now)
    if cheap is not None:
        return _signature_refusal(cheap)
    key_domain = domain_of_url(parsed.key_id)
    if key_domain is None:
        return Refusal(401, "invalid_signature", "key: keyId must be a plain http(s) URL", "key")
    if await domain_blocked(key_domain):
        return Refusal(403, "blocked", f"{key_domain} is blocked", "blocked")
    if known_actor is not None:
        gone = self_removal_actor(req.body, parsed.key_id)
        if gone is not None and not await known_actor(gone):
            return Skipped("an actor never seen here deleted or updated itself")
    key = await fetcher.fetch_key(parsed.key_id, signer=signer)
    if isinstance(key, FetchFailure):
        return _fetch_refusal(key)
    failure = verify_request(req, parsed, key.public_key, now=now)
    if failure is not None and failure.reason in ("signature", "key"):
        fresh = await fetcher.fetch_key(parsed.key_id, signer=signer, refresh=True)
        if isinstance(fresh, FetchFailure):
            return _fetch_refusal(fresh) if fresh.transient else _signature_refusal(failure)
        if fresh.public_key is not key.public_key:
            key = fresh
            failure = verify_request(req, parsed, key.public_key, now=now)
    if failure is not None:
        return _signature_refusal(failure)
    if domain_of_url(key.owner) != key_domain:
        # Keys live with their actors; otherwise one host could vouch for another's actors
        # (and slip an owner spelled ``https://x@blocked.example`` past the domain checks).
        return Refusal(401, "invalid_signature", "key: the key's owner is on another host", "key")
    return key


# What a refusal says about a key that could not be had: our words, never the remote's.
_KEY_PROBLEMS = {
    "key": "the key document does not hold a usable key for its owner",
    "origin": "the key document's id does not match where it was fetched",
    "forbidden": "the key's host is not a public address",
    "url": "the keyId is not a plain http(s) URL",
    "content_type": "the key document is not served as ActivityPub JSON",
    "too_large": "the key document is too large",
    "json": "the key document is not valid JSON",
    "redirects": "the key document redirects too often",
}


def _fetch_refusal(failure: FetchFailure) -> Refusal:
    log.info("key fetch failed", extra={"reason": failure.reason, "detail": failure.detail[:300]})
    if failure.transient:
        return Refusal(503, "key_unavailable", "the signing key could not be fetched; retry later",
                       "key_unreachable", retry_after=RETRY_AFTER_SECONDS)
    problem = _KEY_PROBLEMS.get(failure.reason, "the signing key could not be fetched")
    return Refusal(401, "invalid_signature", f"key: {problem}", "key")


async def verify_delivery(
    req: HttpRequest, *, fetcher: Fetcher, signer: SigningKey | None,
    domain_blocked: DomainBlocked, now: float, known_actor: KnownActor | None = None,
) -> Verified | Refusal | Skipped:
    """A delivery to an inbox: a verified signature, a strict activity, and the signer as actor."""
    key = await verify_signed_request(req, fetcher=fetcher, signer=signer, domain_blocked=domain_blocked,
                                      now=now, known_actor=known_actor)
    if isinstance(key, (Refusal, Skipped)):
        return key
    activity = parse_activity(req.body)
    if isinstance(activity, JsonProblem):
        return Refusal(400, "invalid_activity", activity.detail, activity.reason)
    forwarded = activity["actor"] != key.owner
    if forwarded and not has_proof(activity):
        return Refusal(401, "actor_mismatch", "the activity's actor is not the signer", "actor_mismatch")
    if not same_origin(activity["id"], activity["actor"]):
        # Refused before anything is stored: a stored foreign id would shadow the real
        # activity of whoever owns that id (its later delivery looked like a duplicate).
        return Refusal(400, "foreign_id", "the activity's id is not on its actor's host", "foreign_id")
    if forwarded:  # FEP-8b32: a third party may pass on what the actor signed (inbox.proofs)
        actor_domain = domain_of_url(activity["actor"])
        if actor_domain is None or await domain_blocked(actor_domain):
            return Refusal(403, "blocked", f"{actor_domain} is blocked", "blocked")
    if not has_proof(activity):
        return Verified(activity=activity, key=key)
    sent = decode_json_object(req.body)  # as signed: parse_activity put the id for an actor object
    proof = await check_proof(activity, fetcher=fetcher, signer=signer,
                              actor=None if forwarded else key.actor,
                              signed=sent if isinstance(sent, dict) and sent.get("actor") != activity["actor"]
                              else None)
    if forwarded and not proof.verified:
        return Refusal(401, "actor_mismatch", "the activity's actor is not the signer, and its "
                       f"proof does not verify ({proof.detail})", "actor_mismatch")
    return Verified(activity=activity, key=key, proof=proof, forwarded=forwarded)
