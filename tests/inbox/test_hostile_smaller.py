"""issue 13 item 14, the smaller holes: each sent to the running inbox (or, for deliveries, to a
real listening socket), with the answer and what was kept checked."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from urllib.parse import quote

import httpx
import pytest

from inbox.delivery.sender import Sender
from inbox.delivery.signing import Payload, Target
from inbox.storage.db import backup_database
from tests.inbox.hostile import assert_nothing_happened
from tests.support.server import running_inbox


async def test_object_type_given_as_a_list_does_not_crash_the_create_handler(world) -> None:
    bob = world.remote.actor("bob")
    note = bob.note("<p>typed twice</p>", in_reply_to=world.post_url())
    note["type"] = ["Note", "Article"]
    for activity in (bob.create(note), bob.activity("Update", note)):
        assert (await bob.post(world.client, world.alice_inbox, activity)).status_code == 202
    await world.inbox.settle()
    outcomes = [r["outcome"] for r in await world.inbox.db.fetchall("SELECT outcome FROM activities")]
    assert len(outcomes) == 2 and not any(o.startswith("error") for o in outcomes), outcomes
    assert await world.inbox.count("inbox_items") == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=x"])
async def test_inbox_post_with_a_non_activitystreams_content_type_is_415(world, content_type) -> None:
    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    headers = bob.sign("POST", world.alice_inbox, body, headers={"Content-Type": content_type})
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"] == "unsupported_media_type"
    await assert_nothing_happened(world)


@pytest.mark.parametrize("content_type", [
    "application/activity+json", "application/activity+json; charset=utf-8",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'])
async def test_inbox_post_with_an_activitystreams_content_type_is_accepted(world, content_type) -> None:
    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    headers = bob.sign("POST", world.alice_inbox, body, headers={"Content-Type": content_type})
    assert (await world.client.post(world.alice_inbox, content=body, headers=headers)).status_code == 202


async def test_actor_path_is_percent_decoded_once(world) -> None:
    bob = world.remote.actor("bob")
    twice = quote(quote(world.mention, safe=""), safe="")  # %2540alice%2540...
    url = world.inbox.url(f"/v1/{twice}/inbox")
    answer = await bob.post(world.client, url, bob.follow(world.alice.id))
    assert answer.status_code == 404, answer.text
    await assert_nothing_happened(world)


async def test_metrics_can_require_a_bearer_token(tmp_path) -> None:
    async with running_inbox(database=str(tmp_path / "m.sqlite3"), metrics_token="s3cret-token") as inbox:
        async with httpx.AsyncClient() as client:
            bare = await client.get(inbox.url("/metrics"))
            wrong = await client.get(inbox.url("/metrics"), headers={"Authorization": "Bearer nope"})
            right = await client.get(inbox.url("/metrics"), headers={"Authorization": "Bearer s3cret-token"})
    assert bare.status_code == 401 and bare.json()["error"] == "unauthorized"
    assert wrong.status_code == 401
    assert right.status_code == 200 and b"inbox" in right.content


async def test_metrics_stay_open_without_a_token(tmp_path) -> None:
    async with running_inbox(database=str(tmp_path / "m.sqlite3")) as inbox:
        async with httpx.AsyncClient() as client:
            assert (await client.get(inbox.url("/metrics"))).status_code == 200


def _private(path: str) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


@pytest.mark.backends("sqlite")  # files the inbox itself writes; PostgreSQL keeps its own
async def test_database_and_backups_are_created_readable_by_the_owner_only(world, tmp_path) -> None:
    path = world.inbox.settings.database
    bob = world.remote.actor("bob")
    await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    await world.inbox.settle()
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            assert _private(name), name
    copy = tmp_path / "backups" / "copy.sqlite3"
    backup_database(path, copy)
    assert _private(str(copy))


async def test_delivery_refused_by_the_address_guard_fails_instead_of_waiting() -> None:
    """This machine's own name resolves to a loopback or private address: refused once resolved,
    permanently (a literal address or ``localhost`` is refused before resolving)."""
    connections = []

    async def serve(reader, writer):
        connections.append(1)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sender = Sender(timeout=2.0, allow_private=False)
    await sender.start()
    try:
        answer = await sender.post(Target.of(f"http://{socket.gethostname()}:{port}/inbox"), Payload.of(b"{}"),
                                   {"Content-Type": "application/activity+json"})
    finally:
        await sender.close()
        server.close()
    assert answer.permanent and "forbidden address" in (answer.error or "")
    assert connections == []
