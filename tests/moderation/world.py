"""The moderation test world: the real inbox app (``create_app`` with an injected clock) under
uvicorn on 127.0.0.1, a blog server with alice (registered) and an admin, and two remote
servers (spam: troll, good: friend) whose actors really sign."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from inbox.app import create_app
from inbox.settings import Settings
from tests.moderation.fakes import FakeActor, FakeServer, RunningInbox, free_port
from tests.support.server import eventually


class Clock:
    """The app's injectable clock; tests move it forward."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    inbox: RunningInbox
    clock: Clock
    blog: FakeServer
    alice: FakeActor
    admin: FakeActor
    troll: FakeActor
    friend: FakeActor
    post_url: str

    @property
    def alice_base(self) -> str:
        return f"{self.inbox.base}/v1/{self.alice.mention}"

    async def deliver(self, sender: FakeActor, activity: dict[str, Any]) -> str:
        """POST to alice's inbox and wait until the inbox has processed it; the outcome."""
        response = await sender.send("POST", self.alice_base + "/inbox", activity,
                                     now=self.clock())
        if response.status_code != 202:
            return f"http {response.status_code}"
        return await self.outcome(activity["id"])

    async def outcome(self, activity_id: str) -> str:
        db = self.inbox.app.state.db

        async def processed() -> tuple[str] | None:
            row = await db.fetchone(
                "SELECT processed_at, outcome FROM activities WHERE id = ?", (activity_id,))
            if row is not None and row["processed_at"] is not None:
                return (str(row["outcome"]),)  # truthy even for an empty outcome
            return None

        [outcome] = await eventually(processed, timeout=20, interval=0.05,
                                     message=f"{activity_id} was never processed")
        return outcome

    def reply(self, sender: FakeActor, text: str = "hello") -> dict[str, Any]:
        note = {"id": f"{sender.url}/notes/{uuid.uuid4().hex}", "type": "Note",
                "attributedTo": sender.url, "inReplyTo": self.post_url,
                "content": f"<p>{text}</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"]}
        return sender.activity("Create", note)

    async def as_alice(self, method: str, path: str, body: Any = None,
                       content_type: str = "text/plain") -> Any:
        raw = body.encode() if isinstance(body, str) else body
        return await self.alice.send(method, self.alice_base + path, raw,
                                     content_type=content_type, now=self.clock())

    async def replies(self) -> list[str]:
        response = await self.alice.send(
            "GET", f"{self.alice_base}/inbox/replies/{quote(self.post_url, safe='')}",
            now=self.clock())
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
async def world(tmp_path: Path) -> AsyncIterator[World]:
    blog, spam, good = FakeServer(), FakeServer(), FakeServer()
    for server in (blog, spam, good):
        await server.start()
    alice, admin = blog.actor("alice"), blog.actor("admin")
    troll, friend = spam.actor("troll"), good.actor("friend")
    post_url = f"{blog.base}/ap/posts/hello.json"
    blog.documents["/ap/posts/hello.json"] = {
        "id": post_url, "type": "Note", "attributedTo": alice.url, "content": "<p>hi</p>"}
    port = free_port()
    clock = Clock()
    settings = Settings(port=port, public_url=f"http://127.0.0.1:{port}",
                        database=str(tmp_path / "inbox.sqlite3"), allow_private_fetch=True,
                        admins=[admin.mention])
    inbox = await RunningInbox(create_app(settings, clock=clock), port).start()
    world = World(inbox, clock, blog, alice, admin, troll, friend, post_url)
    registration = {"actorUrl": alice.url, "publicKeyId": alice.key_id,
                    "keypair": {"publicKeyPem": alice.public_pem,
                                "privateKeyPem": alice.private_pem}}
    response = await alice.send("POST", world.alice_base, registration,
                                content_type="application/json", now=clock())
    assert response.status_code == 201, response.text
    try:
        yield world
    finally:
        await inbox.stop()
        for server in (blog, spam, good):
            await server.stop()
