"""Test builders for the remote fediverse: actors that really sign (``fedicore.httpsig``), and a
fake server on 127.0.0.1 that serves their documents and records what it receives.

Reused by every inbox-side test area::

    async with FakeFediverse() as remote:
        bob = remote.actor("bob")
        await bob.post(client, inbox_url, bob.follow(blog_actor_url))
        remote.received   # every request that reached the fake server, in order
"""

from __future__ import annotations

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
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT, PUBLIC

_KEYS: list[tuple[str, str]] = []
_KEYS_LOCK = threading.Lock()


def test_keypair(index: int) -> tuple[str, str]:
    """The index-th RSA-2048 pair of this test session (generated once: keys are slow to make)."""
    with _KEYS_LOCK:
        while len(_KEYS) <= index:
            _KEYS.append(generate_rsa_keypair(2048))
        return _KEYS[index]


@dataclass
class RemoteActor:
    """A remote account served by a ``FakeFediverse``; signs with its own RSA key."""

    base: str
    name: str
    private_pem: str
    public_pem: str
    also_known_as: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

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
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": self.public_pem},
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
        base = {"Content-Type": ACTIVITY_JSON} if body or method == "POST" else {}
        base.update(headers or {})
        req = HttpRequest(method, url, base, body)
        added = sign_request(req, key_id=key_id or self.key_id, private_key=self.private_pem,
                             scheme=scheme, now=now, covered=covered)
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

    def __init__(self) -> None:
        self.actors: dict[str, RemoteActor] = {}
        self.documents: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.received: list[Received] = []
        self.inbox_status = 202
        self._runner: web.AppRunner | None = None
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
        self.received.append(Received(request.method, request.path_qs, dict(request.headers), body))
        if request.method == "POST":
            return web.Response(status=self.inbox_status)
        if request.path in self.documents:
            status, content_type, payload, headers = self.documents[request.path]
            return web.Response(status=status, body=payload, headers={"Content-Type": content_type, **headers})
        if request.path == "/.well-known/webfinger":
            return self._webfinger(request.query.get("resource", ""))
        parts = request.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "users" and parts[1] in self.actors:
            doc = json.dumps(self.actors[parts[1]].document()).encode()
            return web.Response(body=doc, headers={"Content-Type": ACTIVITY_JSON})
        return web.Response(status=404, text="not found")


def _jrd(subject: str, actor_id: str) -> dict[str, Any]:
    return {"subject": subject, "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": actor_id}]}


def verify_received(received: Received, url: str, public_pem: str) -> bool:
    """Did the inbox really sign this request with that key? (How a peer checks our Accept.)"""
    req = HttpRequest(received.method, url, received.headers, received.body)
    parsed = parse_signature(req)
    if not hasattr(parsed, "key_id"):
        return False
    return verify_request(req, parsed, public_pem, now=time.time()) is None

