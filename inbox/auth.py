"""Management calls are HTTP-signed by the blog actor's own key, or by an admin's.

There are no passwords: the signer's key is fetched (cached), its owner's
``@preferredUsername@host`` must equal the ``:actor`` of the path or be on the admins list.
Signatures are checked like inbox deliveries (path, host, date, digest), so one made for
another route cannot be replayed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from litestar import Request

from fedicore.handles import Handle
from inbox.api.http import ApiError, read_body, signature_request
from inbox.fetcher import RemoteKey, SigningKey
from inbox.storage.actors import get_actor
from inbox.verification import Refusal, verify_signed_request


@dataclass(frozen=True, slots=True)
class Signer:
    handle: Handle
    key: RemoteKey
    is_admin: bool


def handle_of(key: RemoteKey) -> Handle | None:
    """``@preferredUsername@host`` of the key's owner (host with port, as in the actor URL)."""
    user = key.actor.get("preferredUsername")
    host = urlsplit(key.owner).netloc.lower()
    if not isinstance(user, str) or not host:
        return None
    try:
        return Handle(user, host)
    except ValueError:
        return None


async def _not_blocked(_domain: str) -> bool:
    return False


async def authenticate(request: Request, actor_mention: str | None) -> Signer:
    """Verify the request's signature and say who made it (401 if it does not verify)."""
    state = request.app.state
    body = getattr(request.state, "body", None)
    if body is None:
        body = await read_body(request, state.settings.max_body_bytes)
        request.state.body = body
    signer_key = None
    if actor_mention:
        local = await get_actor(state.db, actor_mention)
        if local is not None:
            signer_key = SigningKey(local.public_key_id, local.private_key_pem)
    key = await verify_signed_request(
        signature_request(request, state.settings, body), fetcher=state.fetcher, signer=signer_key,
        domain_blocked=_not_blocked, now=state.clock(),
    )
    if isinstance(key, Refusal):
        headers = {"Retry-After": str(key.retry_after)} if key.retry_after else None
        raise ApiError(key.status if key.status != 403 else 401, key.error, key.detail, headers=headers)
    if not isinstance(key, RemoteKey):
        raise ApiError(401, "invalid_signature", "the request is not signed")
    handle = handle_of(key)
    if handle is None:
        raise ApiError(401, "unknown_signer", "the signer's actor has no usable preferredUsername")
    admins = set()
    for entry in state.settings.admins:
        try:
            admins.add(str(Handle.parse(entry)))
        except ValueError:
            continue
    return Signer(handle=handle, key=key, is_admin=str(handle) in admins)


async def require_owner_or_admin(request: Request, actor_mention: str) -> Handle:
    """The signer's handle if it is ``actor_mention`` itself or an admin; 401/403 otherwise."""
    signer = await authenticate(request, actor_mention)
    if str(signer.handle) != actor_mention and not signer.is_admin:
        raise ApiError(403, "forbidden", f"{signer.handle} may not manage {actor_mention}")
    return signer.handle
