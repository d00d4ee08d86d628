"""Register, read and unregister a local actor: ``POST/GET/DELETE /v1/{actor}``.

Registration carries the key pair so the inbox can sign on the blog's behalf. It must be signed
by that very key (the signer's key id and public key equal the uploaded ones) or by an admin.
The private key is stored and used, never returned, never logged.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, delete, get, post
from litestar.params import FromPath

from fedicore import keys
from inbox.activity_json import JsonProblem, decode_json_object
from inbox.api.http import ApiError, mention_of, request_body
from inbox.auth import authenticate, require_owner_or_admin
from inbox.registration import is_open, opening_of
from inbox.storage import actors as store
from inbox.storage import instance as instance_store

log = logging.getLogger("inbox.actors")


class Keypair(msgspec.Struct, forbid_unknown_fields=False):
    publicKeyPem: str
    privateKeyPem: str


class Registration(msgspec.Struct, forbid_unknown_fields=False):
    actorUrl: str
    publicKeyId: str
    keypair: Keypair
    manuallyApprovesFollowers: bool = False
    announce: bool = False


def _same_public_key(pem_a: str, key_b: object) -> bool:
    try:
        return keys.load_public_key(pem_a).public_numbers() == key_b.public_numbers()  # type: ignore[attr-defined]
    except (ValueError, AttributeError):
        return False


def parse_registration(body: bytes) -> Registration:
    value = decode_json_object(body)
    if isinstance(value, JsonProblem):
        raise ApiError(400, "invalid_json", value.detail)
    try:
        registration = msgspec.convert(value, Registration)
    except msgspec.ValidationError as exc:
        raise ApiError(400, "invalid_registration", str(exc)) from None
    for field in (registration.actorUrl, registration.publicKeyId):
        if not field.startswith(("https://", "http://")):
            raise ApiError(400, "invalid_registration", "actorUrl and publicKeyId must be http(s) URLs")
    try:
        private_key = keys.load_private_key(registration.keypair.privateKeyPem)
        public_key = keys.load_public_key(registration.keypair.publicKeyPem)
    except (ValueError, TypeError):
        raise ApiError(400, "invalid_keypair", "the key pair could not be read") from None
    if private_key.public_key().public_numbers() != public_key.public_numbers():  # type: ignore[union-attr]
        raise ApiError(400, "invalid_keypair", "the private key does not match the public key")
    return registration


async def registration_open(state, mention: str) -> bool:
    openings = [*state.settings.open_registration, *await instance_store.registration_openings(state.db)]
    return is_open(openings, mention)


@post("/v1/{actor:str}", status_code=201, summary="Register a local actor (signed by its own key)")
async def register_actor(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = mention_of(actor)
    state = request.app.state
    refuse_reserved(state, mention)
    body = await request_body(request)
    known = await store.get_actor(state.db, mention) is not None
    signer = await authenticate(request, mention)
    registration = parse_registration(body)
    if not known and not signer.is_admin and not await registration_open(state, mention):
        # Closed by default: a new name needs an opening (operator, admin) or an admin signer;
        # a registered actor may still re-register (new keys, new settings).
        raise ApiError(403, "registration_closed", f"registration is not open for {mention}")
    if not signer.is_admin:
        if not signer.is_owner:  # a new actor, or the registered actor document itself
            raise ApiError(403, "forbidden", f"{signer.handle} may not register {mention}")
        if signer.key.key_id != registration.publicKeyId or signer.key.owner != registration.actorUrl:
            raise ApiError(403, "key_mismatch", "the request must be signed by the key being registered")
        if not _same_public_key(registration.keypair.publicKeyPem, signer.key.public_key):
            raise ApiError(403, "key_mismatch", "the uploaded public key is not the signer's key")
    actor = store.LocalActor(
        mention=mention, actor_url=registration.actorUrl, public_key_id=registration.publicKeyId,
        public_key_pem=registration.keypair.publicKeyPem,
        private_key_pem=registration.keypair.privateKeyPem,
        manually_approves_followers=registration.manuallyApprovesFollowers,
        announce=registration.announce, created_at=state.clock(),
    )
    existing = await store.get_actor(state.db, mention)
    if existing is not None:
        actor = store.LocalActor(**{**_fields(actor), "created_at": existing.created_at})
    await store.save_actor(state.db, actor)
    state.actor_cache.clear()
    try:  # a blog that asked to be announced is queued for the announcements actor
        await state.announcements.blog_registered(actor)
    except Exception as exc:  # noqa: BLE001 - the registration stands; the operator reads the log
        log.error("could not queue the announcement of a new blog", extra={"blog": mention, "error": repr(exc)})
    return actor.public_view()


def refuse_reserved(state: Any, mention: str) -> None:
    """The announcements actor's name is the inbox's own, whether or not it is turned on."""
    if mention.lower() == state.announcements.actor.mention.lower():  # as WebFinger matches it
        raise ApiError(403, "reserved", f"{mention} is this inbox's announcements actor")


def _fields(actor: store.LocalActor) -> dict[str, Any]:
    return {name: getattr(actor, name) for name in store.LocalActor.__slots__}


@get("/v1/{actor:str}", summary="Read a local actor's settings (never the private key)")
async def read_actor(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = mention_of(actor)
    await require_owner_or_admin(request, mention)
    found = await store.get_actor(request.app.state.db, mention)
    if found is None:
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    return found.public_view()


@delete("/v1/{actor:str}", status_code=200, summary="Unregister a local actor")
async def unregister_actor(request: Request, actor: FromPath[str]) -> dict[str, Any]:
    mention = mention_of(actor)
    state = request.app.state
    refuse_reserved(state, mention)  # turned off in the settings, never unregistered
    await require_owner_or_admin(request, mention)
    if not await store.remove_actor(state.db, mention, now=state.clock()):
        raise ApiError(404, "unknown_actor", f"{mention} is not registered here")
    state.actor_cache.clear()
    return {"removed": mention}


class Opening(msgspec.Struct, forbid_unknown_fields=True):
    open: str


@post("/v1/registrations", status_code=200, summary="Open registration for a name or a domain (admins)")
async def open_registrations(request: Request) -> dict[str, Any]:
    body = await request_body(request)
    signer = await authenticate(request, None)
    if not signer.is_admin:
        raise ApiError(403, "forbidden", f"{signer.handle} is not an admin")
    value = decode_json_object(body)
    if isinstance(value, JsonProblem):
        raise ApiError(400, "invalid_json", value.detail)
    try:
        wanted = msgspec.convert(value, Opening).open
    except msgspec.ValidationError as exc:
        raise ApiError(400, "invalid_opening", str(exc)) from None
    opening = opening_of(wanted)
    if isinstance(opening, ValueError):
        raise ApiError(400, "invalid_opening", str(opening))
    state = request.app.state
    await instance_store.open_registration(state.db, opening, who=str(signer.handle), now=state.clock())
    return {"open": opening}


@get("/v1/registrations", summary="Names and domains registration is open to (admins)")
async def read_registrations(request: Request) -> dict[str, Any]:
    signer = await authenticate(request, None)
    if not signer.is_admin:
        raise ApiError(403, "forbidden", f"{signer.handle} is not an admin")
    state = request.app.state
    return {"open": sorted({*state.settings.open_registration,
                            *await instance_store.registration_openings(state.db)})}


ROUTES = [register_actor, read_actor, unregister_actor, open_registrations, read_registrations]
