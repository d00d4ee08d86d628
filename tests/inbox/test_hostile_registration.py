"""issue 13 item 11: registration is closed by default (an operator command or an admin-signed
request opens it for a name or a domain), and the inbox's own fetches are signed by its
instance actor (an Application it serves), never by a tenant."""

from __future__ import annotations

import asyncio

import httpx
from click.testing import CliRunner

from fedicore.vocab import ACTIVITY_JSON
from inbox.cli import inbox_group
from tests.inbox.conftest import register
from tests.support.remote import FakeFediverse, verify_received
from tests.support.server import eventually, running_inbox


async def test_registration_is_closed_by_default(tmp_path) -> None:
    async with FakeFediverse() as blog, running_inbox(database=str(tmp_path / "i.sqlite3")) as inbox, \
            httpx.AsyncClient() as client:
        alice = blog.actor("alice", key_index=0)
        answer = await register(inbox, client, alice)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"] == "registration_closed"
        assert await inbox.count("actors") == 0


async def test_the_operator_command_opens_registration_for_one_name(tmp_path) -> None:
    database = str(tmp_path / "i.sqlite3")
    async with FakeFediverse() as blog, running_inbox(database=database) as inbox, \
            httpx.AsyncClient() as client:
        alice, bob = blog.actor("alice", key_index=0), blog.actor("bob")
        result = await asyncio.to_thread(CliRunner().invoke, inbox_group, ["registration", "open", alice.handle],
                                         env={"FEDIPRESS_DATABASE": database})
        assert result.exit_code == 0, result.output
        assert (await register(inbox, client, alice)).status_code == 201
        assert (await register(inbox, client, bob)).status_code == 403  # the name, not its domain
        assert await inbox.count("actors") == 1


async def test_the_operator_command_refuses_a_malformed_name(tmp_path) -> None:
    result = CliRunner().invoke(inbox_group, ["registration", "open", "not a name/"],
                                env={"FEDIPRESS_DATABASE": str(tmp_path / "i.sqlite3")})
    assert result.exit_code == 2 and "name" in result.output


async def test_an_admin_signed_request_opens_registration_for_a_domain(tmp_path) -> None:
    async with FakeFediverse() as blog, FakeFediverse() as ops:
        root = ops.actor("root")
        async with running_inbox(database=str(tmp_path / "i.sqlite3"), admins=[root.handle]) as inbox, \
                httpx.AsyncClient() as client:
            alice, mallory = blog.actor("alice", key_index=0), ops.actor("mallory")
            url = inbox.url("/v1/registrations")
            domain = blog.base.split("://", 1)[1]
            body = b'{"open": "%s"}' % domain.encode()
            refused = await mallory.post(client, url, body)
            assert refused.status_code == 403, refused.text
            assert (await register(inbox, client, alice)).status_code == 403
            opened = await root.post(client, url, body)
            assert opened.status_code == 200, opened.text
            assert (await register(inbox, client, alice)).status_code == 201


async def test_shared_inbox_fetches_are_signed_by_the_instance_actor(world) -> None:
    instance = await world.client.get(world.inbox.url("/actor"), headers={"Accept": ACTIVITY_JSON})
    assert instance.status_code == 200
    assert instance.headers["content-type"].startswith("application/activity+json")
    document = instance.json()
    assert document["type"] == "Application" and document["id"] == world.inbox.url("/actor")
    assert "privateKeyPem" not in instance.text
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.inbox.url("/v1/inbox"), bob.follow(world.alice.id))
    assert answer.status_code == 202
    [fetch] = await eventually(lambda: world.remote.fetches[:1])
    assert f'keyId="{document["publicKey"]["id"]}"' in fetch.headers["Signature"]
    assert verify_received(fetch, world.remote.base + fetch.path, document["publicKey"]["publicKeyPem"])
