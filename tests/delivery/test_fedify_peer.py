"""A real Fedify server receives our Create, Update and Delete, verifies each signature
(fetching our actor's key from a loopback server), and records them in order."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from inbox.delivery import DeliveryWorker, enqueue
from inbox.storage.db import Database
from tests.delivery.conftest import FAST, SETTINGS
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures

pytestmark = pytest.mark.interop
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"


@pytest.fixture
async def blog(keypair):
    """Our actor document (with its public key) served on 127.0.0.1, as the static site would."""
    state: dict[str, str] = {}

    async def actor(request: web.Request) -> web.Response:
        return web.json_response({
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": state["actor"], "type": "Person", "preferredUsername": "alice",
            "inbox": f"{state['base']}/v1/@alice/inbox", "outbox": f"{state['base']}/ap/outbox.json",
            "publicKey": {"id": f"{state['actor']}#main-key", "owner": state["actor"],
                          "publicKeyPem": keypair[1]},
        }, content_type="application/activity+json")

    app = web.Application()
    app.router.add_get("/ap/actor.json", actor)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state["base"] = f"http://127.0.0.1:{port}"
    state["actor"] = f"{state['base']}/ap/actor.json"
    yield state
    await runner.cleanup()


def activity(kind: str, blog: dict[str, str], content: str) -> dict:
    note_id = f"{blog['base']}/ap/posts/hello.json"
    note = {"id": note_id, "type": "Note", "attributedTo": blog["actor"], "content": content,
            "to": [PUBLIC], "published": "2026-01-01T00:00:00Z"}
    obj = {"id": note_id, "type": "Tombstone"} if kind == "Delete" else note
    return {"@context": AS, "id": f"{note_id}#{kind.lower()}", "type": kind, "actor": blog["actor"],
            "to": [PUBLIC], "object": obj}


async def test_fedify_verifies_and_records_create_update_delete_in_order(tmp_path, keypair, blog, peer):  # noqa: F811
    db = await Database.open(tmp_path / "inbox.sqlite3")
    await db.execute(
        "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ("@alice@127.0.0.1", blog["actor"], f"{blog['actor']}#main-key", keypair[1], keypair[0], time.time()),
    )
    for kind, content in (("Create", "<p>Hello</p>"), ("Update", "<p>Hello, edited</p>"), ("Delete", "")):
        await enqueue(db, actor="@alice@127.0.0.1", activity=activity(kind, blog, content),
                      inboxes=[peer.inbox_url])
    worker = DeliveryWorker(db, SETTINGS, config=FAST)
    try:
        for _ in range(3):  # one pass per activity: each waits for the one before
            assert await worker.run_once() == 1
        got = await asyncio.to_thread(peer.wait_for, "Delete")
    finally:
        await worker.close()
        await db.close()
    received = await asyncio.to_thread(peer.received)
    assert [r["type"] for r in received] == ["Create", "Update", "Delete"]
    assert all(r["signature_scheme"] == "cavage" for r in received)
    assert all(r["signed_key_id"] == f"{blog['actor']}#main-key" for r in received)
    assert received[1]["raw"]["object"]["content"] == "<p>Hello, edited</p>"
    assert got[0]["actor"] == blog["actor"]
