"""PUT/GET/DELETE /v1/{actor}/hooks/{name} on the running inbox, signed by the blog's key."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from inbox.storage import webhooks as store
from inbox.webhooks import WebhookWorker, fire, verify_signature
from sitegen.social import register_site
from tests.social.hook_receiver import HookReceiver
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse


async def test_put_shows_a_made_secret_once_and_get_never_shows_it(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        hook = {"url": "https://ci.example/hook", "method": "POST",
                "headers": {"Authorization": "Bearer ghp_abcdefghijklmnop", "X-Team": "blog"}}
        put = await world.as_blog("PUT", "/hooks/reply", hook)
        assert put.status == 200, put.text
        secret = put.data["secret"]
        assert len(secret) == 64 and put.data["secret_hint"] == f"…{secret[-4:]}"
        got = await world.as_blog("GET", "/hooks/reply")
        assert got.status == 200
        assert secret not in got.text and "ghp_abcdefghijklmnop" not in got.text
        assert got.data["headers"] == {"Authorization": "…mnop", "X-Team": "blog"}
        assert got.data["recent"] == []
        again = await world.as_blog("PUT", "/hooks/reply", {**hook, "format": "github"})
        assert "secret" not in again.data  # kept, not shown again
        assert (await store.get_hook(world.inbox.db, world.mention, "reply")).secret == secret
        removed = await world.as_blog("DELETE", "/hooks/reply")
        assert removed.status == 200 and removed.data == {"removed": "reply"}
        assert (await world.as_blog("GET", "/hooks/reply")).status == 404


async def test_reference_clients_body_without_secret_or_format_is_accepted(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        for name in ("moderationqueued", "onapproved", "onrejected"):
            answer = await world.as_blog("PUT", f"/hooks/{name}",
                                         {"url": "https://ci.example/x", "method": "POST",
                                          "headers": {}})
            assert answer.status == 200, answer.text
            assert answer.data["format"] == "envelope"


@pytest.mark.parametrize(("name", "body", "status", "error"), [
    ("nope", {"url": "https://ci.example/"}, 404, "unknown_hook"),
    ("reply", {"url": "gopher://ci.example/"}, 400, "invalid_hook"),
    ("reply", ["not", "an", "object"], 400, "invalid_json"),
    ("reply", {"url": "http://[::1"}, 400, "invalid_hook"),
    ("reply", {"url": "http://[zz]/"}, 400, "invalid_hook"),
    ("reply", {"url": "https://ci.example:99999/"}, 400, "invalid_hook"),
])
async def test_bad_hook_requests_get_json_4xx(tmp_path, name, body, status, error):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        answer = await world.as_blog("PUT", f"/hooks/{name}", body)
    assert answer.status == status and answer.data["error"] == error


async def test_unsigned_or_foreign_signed_hook_change_is_refused(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        url = world.inbox.url(f"/v1/{world.mention}/hooks/reply")
        body = json.dumps({"url": "https://evil.example/"}).encode()
        unsigned = await client.put(url, content=body)
        assert unsigned.status_code == 401 and "error" in unsigned.json()
        mallory = remote.actor("mallory")
        signed = await client.put(url, content=body, headers=mallory.sign("PUT", url, body))
        assert signed.status_code == 403 and signed.json()["error"] == "forbidden"
        assert await store.get_hook(world.inbox.db, world.mention, "reply") is None


def test_private_hook_targets_are_recognised_in_every_spelling():
    from inbox.webhooks import refused_target

    assert refused_target("http://10.0.0.8/hook", allow_private=False)
    assert refused_target("http://[::1]/hook", allow_private=False)
    assert refused_target("http://2130706433/hook", allow_private=False)
    assert refused_target("https://ci.example/hook", allow_private=False) is None
    assert refused_target("http://10.0.0.8/hook", allow_private=True) is None


async def test_hook_call_with_a_dead_receiver_never_fails_the_inbox_request(tmp_path):
    """The hook points at a closed port; the reply is still taken with 202, and the call waits
    in the queue for its retry."""
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        put = await world.as_blog("PUT", "/hooks/reply", {"url": "http://127.0.0.1:9/dead"})
        assert put.status == 200
        bob = remote.actor("bob")
        create = bob.create(bob.note("<p>hi</p>", in_reply_to=world.post_id("first")))
        answer = await bob.post(client, world.inbox.url(f"/v1/{world.mention}/inbox"), create)
        assert answer.status_code == 202
        await fire(world.inbox.db, actor=world.mention, event="reply", activity=create, now=0)
        await WebhookWorker(world.inbox.db, world.inbox.settings).run_once()
        [row] = await world.inbox.db.fetchall("SELECT state, last_error FROM webhook_calls")
        assert row["state"] == "pending" and "connect" in row["last_error"]


async def test_reply_arriving_at_the_inbox_fires_the_reply_hook(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client, HookReceiver() as receiver:
        await world.call(register_site, world.root)
        await world.as_blog("POST", "/allowlist", text=f"@*@{remote.base.split('//')[1]}\n")
        put = await world.as_blog("PUT", "/hooks/reply", {"url": receiver.url})
        bob = remote.actor("bob")
        create = bob.create(bob.note("<p>hi</p>", in_reply_to=world.post_id("first")))
        await bob.post(client, world.inbox.url(f"/v1/{world.mention}/inbox"), create)
        await world.inbox.settle()
        for _ in range(100):
            if receiver.calls:
                break
            await asyncio.sleep(0.05)
    [call] = receiver.calls
    assert verify_signature(put.data["secret"], call.body, call.headers["X-Fedipress-Signature"])
    assert json.loads(call.body)["activity"]["id"] == create["id"]


def test_a_received_signature_with_any_characters_is_just_wrong_not_an_error():
    secret, body = "s" * 16, b'{"event":"reply"}'
    from inbox.webhooks.envelope import sign_body

    assert verify_signature(secret, body, sign_body(secret, body))
    assert not verify_signature(secret, body, "sha256=\u00e9\u00e9")
    assert not verify_signature(secret, body, sign_body(secret, body)[:-1] + "\u00e9")
    assert not verify_signature(secret, body, None)
