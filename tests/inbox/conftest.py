"""A world for inbox tests: the real app on 127.0.0.1, a blog site serving alice's actor (who
registers with her own signed request) and a remote server with accounts that really sign."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fedicore.vocab import AS_CONTEXT, PUBLIC
from tests.support.remote import FakeFediverse, RemoteActor
from tests.support.server import RunningInbox, registration_open_for, running_inbox


@dataclass
class World:
    inbox: RunningInbox
    blog: FakeFediverse
    alice: RemoteActor
    remote: FakeFediverse
    client: httpx.AsyncClient

    @property
    def mention(self) -> str:
        return self.alice.handle

    @property
    def alice_inbox(self) -> str:
        return self.inbox.url(f"/v1/{self.mention}/inbox")

    def post_url(self, slug: str = "hello") -> str:
        return f"{self.blog.base}/ap/posts/{slug}.json"


PUBLISHED = ("hello", "first", "second")


def post_document(blog: FakeFediverse, author: RemoteActor, slug: str) -> dict:
    url = f"{blog.base}/ap/posts/{slug}.json"
    return {"@context": AS_CONTEXT, "id": url, "type": "Note", "attributedTo": author.id,
            "content": f"<p>{slug}</p>", "to": [PUBLIC], "published": "2026-01-01T00:00:00Z"}


def registration(actor: RemoteActor, **extra: object) -> bytes:
    return json.dumps({
        "actorUrl": actor.id, "publicKeyId": actor.key_id,
        "keypair": {"publicKeyPem": actor.public_pem, "privateKeyPem": actor.private_pem},
        **extra,
    }).encode()


async def register(world_inbox: RunningInbox, client: httpx.AsyncClient, actor: RemoteActor,
                   **extra: object) -> httpx.Response:
    url = world_inbox.url(f"/v1/{actor.handle}")
    return await actor.post(client, url, registration(actor, **extra))


@pytest.fixture
async def make_world(tmp_path: Path, database_url: str):
    """``await make_world(manually_approves=True)``; everything stops at the test's end."""
    stack: list = []

    async def build(**options: object) -> World:
        blog = FakeFediverse()
        remote = FakeFediverse()
        await blog.__aenter__()
        stack.append(blog)
        await remote.__aenter__()
        stack.append(remote)
        settings = {"database": database_url, **registration_open_for(blog),
                    **options.pop("settings", {})}  # type: ignore[arg-type]
        manager = running_inbox(**settings)
        inbox = await manager.__aenter__()
        stack.append(manager)
        client = httpx.AsyncClient(timeout=10)
        stack.append(client)
        alice = blog.actor("alice", key_index=0)
        for slug in PUBLISHED:  # the posts the blog has (reactions to anything else are dropped)
            blog.serve(f"/ap/posts/{slug}.json", post_document(blog, alice, slug))
        answer = await register(inbox, client, alice, **options)
        assert answer.status_code == 201, answer.text
        blog.received.clear()
        return World(inbox, blog, alice, remote, client)

    yield build
    for item in reversed(stack):
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
        else:
            await item.__aexit__(None, None, None)


@pytest.fixture
async def world(make_world) -> AsyncIterator[World]:
    yield await make_world()
