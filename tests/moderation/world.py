"""The moderation test world: the real inbox app (``create_app`` with an injected clock) under
uvicorn on 127.0.0.1 (``tests.support.server.running_inbox``), a blog server with alice
(registered) and an admin, and two remote servers (spam: troll, good: friend) whose actors
really sign (``tests.support.remote``)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from fedicore.vocab import ACTIVITY_JSON
from tests.support.remote import FakeFediverse, RemoteActor
from tests.support.server import RunningInbox, eventually, registration_open_for, running_inbox


class Clock:
    """The app's injectable clock; tests move it forward."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def host(server: FakeFediverse) -> str:
    """``127.0.0.1:PORT`` of a fake server: the domain in its actors' handles."""
    return server.base.split("://", 1)[1]


@dataclass
class World:
    inbox: RunningInbox
    clock: Clock
    client: httpx.AsyncClient
    blog: FakeFediverse
    spam: FakeFediverse
    good: FakeFediverse
    alice: RemoteActor
    admin: RemoteActor
    troll: RemoteActor
    friend: RemoteActor
    post_url: str

    @property
    def alice_base(self) -> str:
        return f"{self.inbox.base}/v1/{self.alice.handle}"

    async def send(self, sender: RemoteActor, method: str, url: str,
                   body: dict[str, Any] | bytes | None = None, *,
                   content_type: str = ACTIVITY_JSON) -> httpx.Response:
        """A request HTTP-signed by ``sender`` at the world's clock time."""
        raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body else b"")
        headers = {"Content-Type": content_type} if raw or method in ("POST", "PUT") else {}
        signed = sender.sign(method, url, raw, headers=headers, now=self.clock())
        return await self.client.request(method, url, content=raw, headers=signed)

    async def deliver(self, sender: RemoteActor, activity: dict[str, Any]) -> str:
        """POST to alice's inbox and wait until the inbox has processed it; the outcome."""
        response = await self.send(sender, "POST", self.alice_base + "/inbox", activity)
        if response.status_code != 202:
            return f"http {response.status_code}"
        return await self.outcome(activity["id"])

    async def outcome(self, activity_id: str) -> str:
        db = self.inbox.db

        async def processed() -> tuple[str] | None:
            row = await db.fetchone(
                "SELECT processed_at, outcome FROM activities WHERE id = ?", (activity_id,))
            if row is not None and row["processed_at"] is not None:
                return (str(row["outcome"]),)  # truthy even for an empty outcome
            return None

        [outcome] = await eventually(processed, timeout=20, interval=0.05,
                                     message=f"{activity_id} was never processed")
        return outcome

    async def delivered(self, server: FakeFediverse, kind: str) -> dict[str, Any]:
        """The first ``kind`` activity the inbox delivered to ``server`` (waiting for it)."""
        found = await eventually(lambda: server.delivered(kind), timeout=15, interval=0.05,
                                 message=f"no {kind} delivered to {host(server)}")
        return found[0]

    def reply(self, sender: RemoteActor, text: str = "hello") -> dict[str, Any]:
        return sender.create(sender.note(f"<p>{text}</p>", in_reply_to=self.post_url))

    async def as_alice(self, method: str, path: str, body: Any = None,
                       content_type: str = "text/plain") -> httpx.Response:
        raw = body.encode() if isinstance(body, str) else body
        return await self.send(self.alice, method, self.alice_base + path, raw,
                               content_type=content_type)

    async def replies(self) -> list[str]:
        response = await self.send(
            self.alice, "GET", f"{self.alice_base}/inbox/replies/{quote(self.post_url, safe='')}")
        assert response.status_code == 200, response.text
        body = response.json()
        items = body.get("items") or body.get("orderedItems") or []
        return [item["id"] if isinstance(item, dict) else item for item in items]

    async def followers(self) -> list[str]:
        response = await self.as_alice("GET", "/followers")
        assert response.status_code == 200, response.text
        body = response.json()
        items = body.get("orderedItems") or body.get("items") or []
        return [item["id"] if isinstance(item, dict) else item for item in items]


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    async with AsyncExitStack() as stack:
        blog, spam, good = [await stack.enter_async_context(FakeFediverse()) for _ in range(3)]
        alice, admin = blog.actor("alice"), blog.actor("admin")
        troll, friend = spam.actor("troll"), good.actor("friend")
        post_url = blog.serve("/ap/posts/hello.json", {
            "id": f"{blog.base}/ap/posts/hello.json", "type": "Note", "attributedTo": alice.id,
            "content": "<p>hi</p>"})
        clock = Clock()
        inbox = await stack.enter_async_context(running_inbox(
            database=database_url, admins=[admin.handle], clock=clock,
            **registration_open_for(blog)))
        client = await stack.enter_async_context(httpx.AsyncClient(timeout=20, trust_env=False))
        world = World(inbox, clock, client, blog, spam, good, alice, admin, troll, friend, post_url)
        registration = {"actorUrl": alice.id, "publicKeyId": alice.key_id,
                        "keypair": {"publicKeyPem": alice.public_pem,
                                    "privateKeyPem": alice.private_pem}}
        response = await world.send(alice, "POST", world.alice_base, registration,
                                    content_type="application/json")
        assert response.status_code == 201, response.text
        yield world
