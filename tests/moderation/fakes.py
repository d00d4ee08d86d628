"""Real fediverse stand-ins for end-to-end moderation tests: fake servers on 127.0.0.1 (aiohttp)
serving signing actors, recording what is delivered to them; and the inbox app under uvicorn.

Kept here until shared builders land in tests/support.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx
import uvicorn
from aiohttp import web

from fedicore.httpsig import HttpRequest, sign_request
from fedicore.keys import generate_rsa_keypair
from fedicore.vocab import AS_CONTEXT

ACTIVITY_JSON = "application/activity+json"


@lru_cache(maxsize=8)
def _keypair(slot: int) -> tuple[str, str]:
    return generate_rsa_keypair(2048)


@dataclass
class FakeActor:
    server: "FakeServer"
    name: str
    private_pem: str
    public_pem: str
    username: str = ""  # preferredUsername, when it is not the URL's last segment

    @property
    def url(self) -> str:
        return f"{self.server.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return self.url + "#main-key"

    @property
    def inbox(self) -> str:
        return self.url + "/inbox"

    @property
    def mention(self) -> str:
        return f"@{self.username or self.name}@{self.server.host}"

    def document(self) -> dict[str, Any]:
        return {"@context": AS_CONTEXT, "id": self.url, "type": "Person",
                "preferredUsername": self.username or self.name, "inbox": self.inbox,
                "outbox": self.url + "/outbox", "followers": self.url + "/followers",
                "publicKey": {"id": self.key_id, "owner": self.url,
                              "publicKeyPem": self.public_pem}}

    async def send(self, method: str, url: str, body: dict[str, Any] | bytes | None = None,
                   *, content_type: str = ACTIVITY_JSON, now: float | None = None) -> httpx.Response:
        """An HTTP-signed request from this actor."""
        raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body else b"")
        headers = {"Content-Type": content_type} if raw or method in ("POST", "PUT") else {}
        headers.update(sign_request(HttpRequest(method, url, headers, raw), key_id=self.key_id,
                                    private_key=self.private_pem, now=now))
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            return await client.request(method, url, content=raw, headers=headers)

    def activity(self, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
        return {"@context": AS_CONTEXT, "id": f"{self.url}/activities/{uuid.uuid4().hex}",
                "type": kind, "actor": self.url, "object": obj, **extra}


@dataclass
class FakeServer:
    """One fediverse host on 127.0.0.1:<port>, serving its actors and recording deliveries."""

    actors: dict[str, FakeActor] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def actor(self, name: str, username: str = "") -> FakeActor:
        private, public = _keypair(len(self.actors) % 8)
        found = self.actors.setdefault(name, FakeActor(self, name, private, public, username))
        return found

    async def start(self) -> "FakeServer":
        app = web.Application()
        app.router.add_get("/users/{name}", self._actor_document)
        app.router.add_post("/users/{name}/inbox", self._inbox)
        app.router.add_get("/{tail:.*}", self._document)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _actor_document(self, request: web.Request) -> web.Response:
        actor = self.actors.get(request.match_info["name"])
        if actor is None:
            raise web.HTTPNotFound()
        return web.Response(body=json.dumps(actor.document()), content_type=ACTIVITY_JSON)

    async def _document(self, request: web.Request) -> web.Response:
        doc = self.documents.get(request.path)
        if doc is None:
            raise web.HTTPNotFound()
        return web.Response(body=json.dumps(doc), content_type=ACTIVITY_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        self.received.append(json.loads(await request.read()))
        return web.Response(status=202)

    async def wait_for(self, kind: str, timeout: float = 15.0) -> dict[str, Any]:
        for _ in range(int(timeout / 0.05)):
            for activity in self.received:
                if activity.get("type") == kind:
                    return activity
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind} delivered to {self.host}; got {self.received}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningInbox:
    """The real inbox app (``create_app``) under uvicorn on 127.0.0.1."""

    def __init__(self, app: Any, port: int) -> None:
        self.app = app
        self.port = port
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                    log_level="warning", lifespan="on"))
        self.task: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "RunningInbox":
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(400):
            if self.server.started:
                return self
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.025)
        raise RuntimeError("the inbox did not start")

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
