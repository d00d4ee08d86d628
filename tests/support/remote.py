"""Test builders for the remote fediverse: actors that really sign (``fedicore.httpsig``), and a
fake server on 127.0.0.1 that serves their documents and records what it receives.

Reused by every inbox-side test area::

    async with FakeFediverse() as remote:
        bob = remote.actor("bob")
        await bob.post(client, inbox_url, bob.follow(blog_actor_url))
        remote.received   # every request that reached the fake server, in order

Each ``FakeFediverse`` is one host, and plays one ``HostBehaviour`` (the deployed fediverse's
habits, ``../shared/docs/deployed-fediverse.md``; ``tests/support/deployed.py`` names the
presets)::

    async with FakeFediverse(GOTOSOCIAL) as gts:   # gzip, hs2019, …/main-key, signed GETs only
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

from tests.support.loopback import serve_catch_all

from fedicore.httpsig import HttpRequest, parse_signature, sign_request, verify_request
from fedicore.keys import generate_rsa_keypair
from fedicore.vocab import ACCEPT_ACTIVITY, ACTIVITY_JSON, AS_CONTEXT, PUBLIC, is_activity_content_type

_KEYS: list[tuple[str, str]] = []
_KEYS_LOCK = threading.Lock()


def test_keypair(index: int) -> tuple[str, str]:
    """The index-th RSA-2048 pair of this test session (generated once: keys are slow to make)."""
    with _KEYS_LOCK:
        while len(_KEYS) <= index:
            _KEYS.append(generate_rsa_keypair(2048))
        return _KEYS[index]


@dataclass(frozen=True)
class HostBehaviour:
    """How one remote host behaves on the wire. The default is the polite fake every older test
    assumes; each field switches on one habit of deployed servers."""

    gzip: bool = False                   # Content-Encoding: gzip when Accept-Encoding allows it
    key_style: str = "fragment"          # keyId: "fragment" (#main-key), "path" (…/main-key), "actor"
    signature_algorithm: str = "rsa-sha256"  # or "hs2019" (GoToSocial), same RSA bytes
    content_type: str = ACTIVITY_JSON    # what it serves and POSTs (LD_JSON_AS for GoToSocial)
    signed_fetch: bool = False           # actor and key documents only to verified signed GETs
    strict_content_types: bool = False   # refuses our documents and POSTs unless AS-typed
    verify_deliveries: bool = False      # POSTs must carry a signature that verifies (else 401)
    canonical_redirect: bool = False     # /@name answers 301 to the actor id /users/name
    signed_headers: tuple[str, ...] | None = None  # cavage POST coverage, in the sender's order
    shared_inbox: bool = False           # delivers to the blog's sharedInbox when it has one
    delay: float = 0.0                   # seconds before answering any GET
    drip: float = 0.0                    # seconds between single bytes of a GET's body


@dataclass
class RemoteActor:
    """A remote account served by a ``FakeFediverse``; signs with its own RSA key."""

    base: str
    name: str
    private_pem: str
    public_pem: str
    also_known_as: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    behaviour: HostBehaviour = field(default_factory=HostBehaviour)

    @property
    def id(self) -> str:
        return f"{self.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        """What this actor's signatures name as keyId."""
        style = self.behaviour.key_style
        return self.id if style == "actor" else f"{self.id}/main-key" if style == "path" else f"{self.id}#main-key"

    @property
    def public_key_id(self) -> str:
        """The ``publicKey.id`` its document lists (apex signs with the bare actor URL)."""
        return f"{self.id}#main-key" if self.behaviour.key_style == "actor" else self.key_id

    @property
    def profile_url(self) -> str:
        """The human-facing URL; redirects to ``id`` on a ``canonical_redirect`` host."""
        return f"{self.base}/@{self.name}"

    @property
    def inbox(self) -> str:
        return f"{self.id}/inbox"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def handle(self) -> str:
        return f"@{self.name}@{self.base.split('://', 1)[1]}"

    def document(self) -> dict[str, Any]:
        doc = {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": self.id, "type": "Person", "preferredUsername": self.name,
            "inbox": self.inbox, "outbox": f"{self.id}/outbox",
            "endpoints": {"sharedInbox": self.shared_inbox},
            "publicKey": {"id": self.public_key_id, "owner": self.id, "publicKeyPem": self.public_pem},
        }
        if self.also_known_as:
            doc["alsoKnownAs"] = list(self.also_known_as)
        doc.update(self.extra)
        return doc

    def new_id(self, kind: str = "activities") -> str:
        return f"{self.id}/{kind}/{uuid.uuid4().hex}"

    def activity(self, type_: str, obj: Any, **extra: Any) -> dict[str, Any]:
        return {"@context": AS_CONTEXT, "id": self.new_id(), "type": type_, "actor": self.id,
                "object": obj, **extra}

    def follow(self, target: str) -> dict[str, Any]:
        return self.activity("Follow", target)

    def note(self, content: str, *, in_reply_to: str | None = None, mention: str | None = None,
             note_id: str | None = None) -> dict[str, Any]:
        note: dict[str, Any] = {"id": note_id or self.new_id("statuses"), "type": "Note",
                                "attributedTo": self.id, "content": content, "to": [PUBLIC],
                                "published": "2026-01-01T00:00:00Z"}
        if in_reply_to:
            note["inReplyTo"] = in_reply_to
        if mention:
            note["tag"] = [{"type": "Mention", "href": mention}]
            note["cc"] = [mention]
        return note

    def create(self, note: dict[str, Any]) -> dict[str, Any]:
        return self.activity("Create", note, to=note.get("to", [PUBLIC]))

    def sign(self, method: str, url: str, body: bytes = b"", *, scheme: str = "cavage",
             now: float | None = None, headers: dict[str, str] | None = None,
             covered: list[str] | None = None, key_id: str | None = None) -> dict[str, str]:
        base = {"Content-Type": self.behaviour.content_type} if body or method == "POST" else {}
        base.update(headers or {})
        req = HttpRequest(method, url, base, body)
        if covered is None and scheme == "cavage" and method == "POST":
            covered = list(self.behaviour.signed_headers or ()) or None
        added = sign_request(req, key_id=key_id or self.key_id, private_key=self.private_pem,
                             scheme=scheme, now=now, covered=covered)
        if scheme == "cavage" and self.behaviour.signature_algorithm != "rsa-sha256":
            # GoToSocial names the same RSA-SHA256 signature "hs2019"; the bytes do not change.
            added["Signature"] = added["Signature"].replace(
                'algorithm="rsa-sha256"', f'algorithm="{self.behaviour.signature_algorithm}"')
        return {**base, **added}

    async def post(self, client: httpx.AsyncClient, url: str, activity: dict[str, Any] | bytes,
                   **sign_options: Any) -> httpx.Response:
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        return await client.post(url, content=body, headers=self.sign("POST", url, body, **sign_options))

    async def get(self, client: httpx.AsyncClient, url: str, **sign_options: Any) -> httpx.Response:
        return await client.get(url, headers=self.sign("GET", url, **sign_options))


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeFediverse:
    """A remote server on 127.0.0.1 (aiohttp, in the test's event loop).

    Serves each actor at ``/users/<name>`` and any document added with ``serve``; records every
    request (``received``; ``fetches`` are the GETs, ``deliveries`` the POSTs to inboxes).
    """

    def __init__(self, behaviour: HostBehaviour | None = None) -> None:
        self.behaviour = behaviour or HostBehaviour()
        self.actors: dict[str, RemoteActor] = {}
        self.documents: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.received: list[Received] = []
        self.refused_fetches: list[Received] = []  # GETs answered 401 (signed_fetch)
        self.refused_deliveries: list[Received] = []  # POSTs answered 401/415 (strict hosts)
        self.gone: set[str] = set()  # actor names answered 410
        self.inbox_status = 202
        self.post_answer: tuple[bytes, dict[str, str]] = (b"", {})  # body and headers of POST answers
        self._runner: web.AppRunner | None = None
        self._signer_keys: dict[str, str] = {}
        self.base = ""

    async def __aenter__(self) -> FakeFediverse:
        self._runner, base = await serve_catch_all(self._handle)
        self.base = base
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def actor(self, name: str, *, key_index: int | None = None, **options: Any) -> RemoteActor:
        private_pem, public_pem = test_keypair(1 + len(self.actors) if key_index is None else key_index)
        options.setdefault("behaviour", self.behaviour)
        actor = RemoteActor(self.base, name, private_pem, public_pem, **options)
        self.actors[name] = actor
        return actor

    def serve(self, path: str, document: Any, *, status: int = 200, content_type: str = ACTIVITY_JSON,
              headers: dict[str, str] | None = None) -> str:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.documents[path] = (status, content_type, body, headers or {})
        return self.base + path

    @property
    def fetches(self) -> list[Received]:
        return [r for r in self.received if r.method == "GET"]

    @property
    def deliveries(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def delivered(self, type_: str) -> list[dict[str, Any]]:
        return [r.json() for r in self.deliveries if r.json().get("type") == type_]

    async def read_collection(self, reader: RemoteActor, url: str) -> dict[str, Any] | str:
        """GET one of our collections as this host's servers do (signed as ``reader``); the
        document, or the reason a strict server gives for refusing it."""
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            answer = await client.get(url, headers={**reader.sign("GET", url), "Accept": ACCEPT_ACTIVITY})
        if answer.status_code != 200:
            return f"status {answer.status_code}"
        if self.behaviour.strict_content_types and not is_activity_content_type(
                answer.headers.get("content-type")):
            return f"non activity streams response: {answer.headers.get('content-type')}"
        return answer.json()
    def _webfinger(self, resource: str) -> web.Response:
        """``acct:name@host`` of an actor served here: the account at ``/users/<name>``, else the
        one whose document's ``preferredUsername`` is ``name`` (ids need not hold the name)."""
        name, _, host = resource.removeprefix("acct:").partition("@")
        actor = self.actors.get(name) or next(
            (a for a in self.actors.values() if a.extra.get("preferredUsername") == name), None)
        if actor is None or host != self.base.split("://", 1)[1]:
            return web.Response(status=404, text="not found")
        body = json.dumps(_jrd(resource, actor.id)).encode()
        return web.Response(body=body, headers={"Content-Type": "application/jrd+json"})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        received = Received(request.method, request.path_qs, dict(request.headers), body)
        self.received.append(received)
        if request.method == "POST":
            if self.behaviour.strict_content_types and not is_activity_content_type(
                    request.headers.get("Content-Type")):
                self.refused_deliveries.append(received)
                return web.Response(status=415, text="not an activity streams content type")
            if self.behaviour.verify_deliveries and not await self._signed_by_someone(request, received):
                self.refused_deliveries.append(received)
                return web.Response(status=401, text="signature does not verify")
            body, headers = self.post_answer
            return web.Response(status=self.inbox_status, body=body or None, headers=headers)
        if self.behaviour.delay:
            await asyncio.sleep(self.behaviour.delay)
        if request.path in self.documents:
            status, content_type, payload, headers = self.documents[request.path]
            return await self._answer(request, payload, status=status,
                                      headers={"Content-Type": content_type, **headers})
        if request.path == "/.well-known/webfinger":
            return self._webfinger(request.query.get("resource", ""))
        parts = request.path.strip("/").split("/")
        if len(parts) == 1 and parts[0].startswith("@") and self.behaviour.canonical_redirect:
            return web.Response(status=301, headers={"Location": f"{self.base}/users/{parts[0][1:]}"})
        is_key_path = len(parts) == 3 and parts[2] == "main-key" and self.behaviour.key_style == "path"
        if len(parts) in (2, 3) and parts[0] == "users" and parts[1] in self.actors and (
                len(parts) == 2 or is_key_path):
            if parts[1] in self.gone:
                return web.Response(status=410, text="gone")
            if self.behaviour.signed_fetch and not await self._signed_by_someone(request, received):
                self.refused_fetches.append(received)
                return web.Response(status=401, text="signature required")
            doc = self.actors[parts[1]].document()
            if is_key_path:  # GoToSocial: a stub of the actor that carries only the key
                doc = {k: doc[k] for k in ("@context", "id", "type", "preferredUsername", "publicKey")}
            return await self._answer(request, json.dumps(doc).encode(),
                                      headers={"Content-Type": self.behaviour.content_type})
        return web.Response(status=404, text="not found")

    async def _answer(self, request: web.Request, payload: bytes, *, status: int = 200,
                      headers: dict[str, str]) -> web.StreamResponse:
        headers = dict(headers)
        if (self.behaviour.gzip and "gzip" in request.headers.get("Accept-Encoding", "") and payload
                and "Content-Encoding" not in headers):
            payload = gzip.compress(payload)
            headers["Content-Encoding"] = "gzip"
        if not self.behaviour.drip:
            return web.Response(status=status, body=payload, headers=headers)
        response = web.StreamResponse(status=status, headers=headers)
        await response.prepare(request)
        for index in range(len(payload)):
            await response.write(payload[index:index + 1])
            await asyncio.sleep(self.behaviour.drip)
        await response.write_eof()
        return response

    async def _signed_by_someone(self, request: web.Request, received: Received) -> bool:
        """Authorized fetch: the GET carries a signature that verifies against the key its
        keyId names, fetched over HTTP as a real server would (cached per keyId)."""
        url = f"{self.base}{request.path_qs}"
        req = HttpRequest(request.method, url, received.headers, received.body)
        parsed = parse_signature(req)
        if not hasattr(parsed, "key_id"):
            return False
        pem = self._signer_keys.get(parsed.key_id)
        if pem is None:
            pem = await _fetch_public_key(parsed.key_id)
            if pem is None:
                return False
            self._signer_keys[parsed.key_id] = pem
        return verify_request(req, parsed, pem, now=time.time()) is None


async def _fetch_public_key(key_id: str) -> str | None:
    """The PEM a keyId names: its document (fragment dropped), then its ``publicKey``."""
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=10, follow_redirects=True) as client:
            answer = await client.get(key_id.partition("#")[0], headers={"Accept": ACCEPT_ACTIVITY})
        document = answer.json()
    except (httpx.HTTPError, ValueError):
        return None
    for entry in ([document] + [document.get("publicKey")] + list(document.get("publicKey") or [])
                  if isinstance(document, dict) else []):
        if isinstance(entry, dict) and entry.get("id") == key_id and "publicKeyPem" in entry:
            return entry["publicKeyPem"]
    return None


def _jrd(subject: str, actor_id: str) -> dict[str, Any]:
    return {"subject": subject, "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": actor_id}]}


def verify_received(received: Received, url: str, public_pem: str) -> bool:
    """Did the inbox really sign this request with that key? (How a peer checks our Accept.)"""
    req = HttpRequest(received.method, url, received.headers, received.body)
    parsed = parse_signature(req)
    if not hasattr(parsed, "key_id"):
        return False
    return verify_request(req, parsed, public_pem, now=time.time()) is None

