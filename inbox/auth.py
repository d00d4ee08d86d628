"""Management calls are HTTP-signed by the blog actor's own key, or by an admin's.

There are no passwords: the signer's key is fetched (cached), its owner's
``@preferredUsername@host`` must equal the ``:actor`` of the path or be an admin (the config's
``admins`` or the ``/v1/admins`` list, the same answer for every management route). A signer
from a domain the moderation lists refuse outright is turned away before its key is fetched.
Signatures are checked like inbox deliveries (path, host, date, digest), so one made for
another route cannot be replayed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from litestar import Request

from fedicore.handles import Handle
from inbox.api.http import ApiError, mention_of, request_body, signature_request
from inbox.fetcher import RemoteKey, SigningKey
from inbox.identity import name_confirmed
from inbox.moderation.service import GLOBAL, domain_refused, is_admin
from inbox.storage.actors import get_actor
from inbox.verification import Refusal, verify_signed_request


@dataclass(frozen=True, slots=True)
class Signer:
    handle: Handle
    key: RemoteKey
    is_admin: bool
    # The signer is the managed actor: its handle is that mention and, once the actor is
    # registered, its key belongs to the registered actor document (another document on the
    # same host claiming the same preferredUsername is not the owner).
    is_owner: bool = False


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


async def authenticate(request: Request, actor_mention: str | None) -> Signer:
    """Verify the request's signature and say who made it (401 if it does not verify)."""
    state = request.app.state
    body = await request_body(request)
    signer_key = None
    local = None
    own_domains: set[str] = set()
    if actor_mention:
        own_domains.add(actor_mention.rpartition("@")[2].lower())
        local = await get_actor(state.db, actor_mention)
        if local is not None:
            signer_key = SigningKey(local.public_key_id, local.private_key_pem)
            own_domains.add(urlsplit(local.actor_url).netloc.lower())
    if signer_key is None:  # nobody's own key: the inbox signs its fetch as itself
        signer_key = await state.instance_actor.signer()
    now = state.clock()

    async def refused(domain: str) -> bool:
        """Signers from a suspended or wholly blocked domain get nowhere, not even a key fetch;
        the managed actor's own domain always gets to the signature check."""
        if domain in own_domains:
            return False
        return await domain_refused(state.db, actor=actor_mention or GLOBAL, domain=domain, now=now,
                                    admins=state.settings.admins)

    key = await verify_signed_request(
        signature_request(request, state.settings, body), fetcher=state.fetcher, signer=signer_key,
        domain_blocked=refused, now=now,
    )
    if isinstance(key, Refusal):
        headers = {"Retry-After": str(key.retry_after)} if key.retry_after else None
        raise ApiError(key.status if key.status != 403 else 401, key.error, key.detail, headers=headers)
    if not isinstance(key, RemoteKey):
        raise ApiError(401, "invalid_signature", "the request is not signed")
    handle = handle_of(key)
    if handle is None:
        raise ApiError(401, "unknown_signer", "the signer's actor has no usable preferredUsername")
    admin = (await is_admin(state.db, handle, now=now, config_admins=state.settings.admins)
             and await name_confirmed(state.fetcher, handle, key.owner))
    owner = (actor_mention is not None and str(handle) == actor_mention
             and (local is None or key.owner == local.actor_url))
    return Signer(handle=handle, key=key, is_admin=admin, is_owner=owner)


async def signed_by_owner_or_admin(request: Request, actor_mention: str) -> bool:
    """For routes public in part (counts) and private in part (items): a valid signature by the
    owner or an admin sees everything; any other verified signer (a server fetching with
    authorized fetch) gets what the public gets. A signature that does not verify is 401."""
    signer = await authenticate(request, actor_mention)
    return signer.is_owner or signer.is_admin


async def require_owner_or_admin(request: Request, actor_mention: str) -> Handle:
    """The signer's handle if it is ``actor_mention`` itself or an admin; 401/403 otherwise."""
    signer = await authenticate(request, actor_mention)
    if not signer.is_owner and not signer.is_admin:
        raise ApiError(403, "forbidden", f"{signer.handle} may not manage {actor_mention}")
    return signer.handle


async def require_owner_of_registered(request: Request, actor: str) -> str:
    """The canonical mention of the route's ``actor`` once the signer is that actor or an admin
    (401/403 otherwise) and the actor is registered here (404 otherwise)."""
    mention = mention_of(actor)
    await require_owner_or_admin(request, mention)
    if await get_actor(request.app.state.db, mention) is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return mention
