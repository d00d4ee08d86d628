"""The announcements actor (issue 19 part 3): ``@announcements@<inbox host>``, a Service the
operator turns on, that announces newly registered blogs which asked for it and boosts their
posts. Real HTTP on 127.0.0.1, real RSA keys; followers are fake servers that verify the
signatures of what they receive against the key the inbox serves."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from fedicore.vocab import AS_CONTEXT, PUBLIC
from inbox.cli import inbox_group
from inbox.moderation.patterns import parse_pattern
from inbox.moderation.service import GLOBAL, add_to_list
from tests.inbox.conftest import register
from tests.support.remote import FakeFediverse, HostBehaviour, RemoteActor, verify_received
from tests.support.server import RunningInbox, eventually, free_port, registration_open_for, running_inbox

VERIFYING = HostBehaviour(verify_deliveries=True)


@dataclass
class Stage:
    inbox: RunningInbox
    blog: FakeFediverse
    remote: FakeFediverse
    client: httpx.AsyncClient
    database: str

    @property
    def host(self) -> str:
        return self.inbox.base.split("://", 1)[1]

    @property
    def handle(self) -> str:
        return f"@announcements@{self.host}"

    @property
    def actor_id(self) -> str:
        return self.inbox.url("/announcements")

    @property
    def followers(self) -> str:
        return self.inbox.url(f"/v1/{self.handle}/followers")

    @property
    def actor_inbox(self) -> str:
        return self.inbox.url(f"/v1/{self.handle}/inbox")

    def cli(self, *args: str) -> tuple[int, str]:
        """``fedipress inbox announcements ARGS``: (exit code, stdout, or everything on failure)."""
        result = CliRunner().invoke(inbox_group, ["announcements", *args], env={
            "FEDIPRESS_DATABASE": self.database, "FEDIPRESS_PUBLIC_URL": self.inbox.base,
            "FEDIPRESS_ANNOUNCEMENTS": "true"})
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout if result.exit_code == 0 else result.output

    async def run(self, *args: str) -> tuple[int, str]:
        return await asyncio.to_thread(self.cli, *args)

    async def follow(self, follower: RemoteActor) -> dict[str, Any]:
        follow = follower.follow(self.actor_id)
        answer = await follower.post(self.client, self.actor_inbox, follow)
        assert answer.status_code == 202, answer.text
        await self.inbox.settle()
        return follow

    async def waiting(self) -> list[dict[str, Any]]:
        code, output = await self.run("list", "--json")
        assert code == 0, output
        return json.loads(output)


@pytest.fixture
async def stage(tmp_path, database_url: str):
    """``async with stage(announcements=True, ...) as s``: an inbox with those settings, a blog
    host (whose actors may register) and a remote host whose inboxes verify signatures."""

    @contextlib.asynccontextmanager
    async def build(**settings: Any) -> AsyncIterator[Stage]:
        async with FakeFediverse() as blog, FakeFediverse(VERIFYING) as remote:
            async with running_inbox(database=database_url, **registration_open_for(blog), **settings) as inbox, \
                    httpx.AsyncClient(timeout=10) as client:
                yield Stage(inbox, blog, remote, client, database_url)

    return build


def created_notes(remote: FakeFediverse) -> list[dict[str, Any]]:
    return [create["object"] for create in remote.delivered("Create")]


async def test_off_by_default_the_actor_webfinger_and_inbox_answer_404(stage) -> None:
    async with stage() as s:
        for path in ("/announcements", f"/.well-known/webfinger?resource=acct:announcements@{s.host}",
                     "/announcements/outbox", f"/v1/{s.handle}/followers"):
            answer = await s.client.get(s.inbox.url(path))
            assert answer.status_code == 404, path
            assert answer.json()["error"]
        bob = s.remote.actor("bob")
        answer = await bob.post(s.client, s.actor_inbox, bob.follow(s.actor_id))
        assert answer.status_code == 404
        alice = s.blog.actor("alice", key_index=0)
        assert (await register(s.inbox, s.client, alice, announce=True)).status_code == 201
        assert await s.inbox.count("announcements") == 0


async def test_webfinger_and_the_service_actor_document(stage) -> None:
    async with stage(announcements=True) as s:
        jrd = await s.client.get(s.inbox.url(f"/.well-known/webfinger?resource=acct:announcements@{s.host}"))
        assert jrd.status_code == 200, jrd.text
        assert jrd.headers["content-type"].startswith("application/jrd+json")
        assert jrd.json()["subject"] == f"acct:announcements@{s.host}"
        self_link = next(link for link in jrd.json()["links"] if link["rel"] == "self")
        assert self_link == {"rel": "self", "type": "application/activity+json", "href": s.actor_id}
        answer = await s.client.get(s.actor_id, headers={"Accept": "application/activity+json"})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/activity+json")
        actor = answer.json()
        assert actor["type"] == "Service" and actor["id"] == s.actor_id
        assert actor["preferredUsername"] == "announcements"
        assert actor["inbox"] == s.actor_inbox and actor["followers"] == s.followers
        assert actor["publicKey"]["owner"] == s.actor_id
        assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
        for name in ("outbox", "followers"):
            collection = await s.client.get(actor[name])
            assert collection.status_code == 200, name
            assert collection.json()["totalItems"] == 0
        # The same key after a restart: the pair is stored, made once.
        assert (await s.client.get(s.actor_id)).json()["publicKey"] == actor["publicKey"]


async def test_a_remote_follow_gets_a_signed_accept_and_undo_removes_it(stage) -> None:
    async with stage(announcements=True) as s:
        bob = s.remote.actor("bob")
        follow = await s.follow(bob)
        accepts = await eventually(lambda: s.remote.delivered("Accept"), timeout=10)
        assert accepts[0]["actor"] == s.actor_id and accepts[0]["object"]["id"] == follow["id"]
        assert s.remote.refused_deliveries == []  # the remote verified our signature by fetching our key
        followers = (await s.client.get(s.followers)).json()
        assert followers["totalItems"] == 1
        await bob.post(s.client, s.actor_inbox, bob.activity("Undo", follow))
        await s.inbox.settle()
        assert (await s.client.get(s.followers)).json()["totalItems"] == 0


async def test_a_blocked_follower_gets_a_reject(stage) -> None:
    async with stage(announcements=True) as s:
        mallory = s.remote.actor("mallory")
        await add_to_list(s.inbox.db, scope=GLOBAL, list_name="block", patterns=[parse_pattern(mallory.handle)],
                          who="test", now=time.time())
        s.inbox.app.state.actor_cache.clear()
        follow = await s.follow(mallory)
        rejects = await eventually(lambda: s.remote.delivered("Reject"), timeout=10)
        assert rejects[0]["object"]["id"] == follow["id"]
        assert s.remote.delivered("Accept") == []
        assert await s.inbox.count("followers") == 0


async def test_a_new_blog_is_announced_after_the_operator_approves(stage) -> None:
    async with stage(announcements=True) as s:
        bob = s.remote.actor("bob")
        await s.follow(bob)
        await eventually(lambda: s.remote.delivered("Accept"), timeout=10)
        alice = s.blog.actor("alice", key_index=0)
        assert (await register(s.inbox, s.client, alice, announce=True)).status_code == 201
        waiting = await s.waiting()
        assert [(w["kind"], w["blog"], w["state"]) for w in waiting] == [("blog", alice.handle, "waiting")]
        await asyncio.sleep(1.5)  # the delivery worker polls every second: nothing to send yet
        assert created_notes(s.remote) == []
        code, output = await s.run("approve", waiting[0]["id"])
        assert code == 0, output
        notes = await eventually(lambda: created_notes(s.remote), timeout=10)
        note = notes[0]
        assert note["attributedTo"] == s.actor_id and note["type"] == "Note"
        assert PUBLIC in note["to"]
        assert {"type": "Mention", "href": alice.id, "name": alice.handle} in note["tag"]
        assert alice.id in note["content"] and alice.handle in note["content"]
        create = next(r for r in s.remote.deliveries if r.json()["type"] == "Create")
        public_pem = (await s.client.get(s.actor_id)).json()["publicKey"]["publicKeyPem"]
        assert verify_received(create, s.remote.base + create.path, public_pem)
        assert create.path == "/inbox"  # the follower's shared inbox
        served = await s.client.get(note["id"])
        assert served.status_code == 200 and served.json()["id"] == note["id"]
        outbox = (await s.client.get(s.inbox.url("/announcements/outbox"))).json()
        assert outbox["totalItems"] == 1
        page = (await s.client.get(outbox["first"])).json()
        assert [item["object"]["id"] for item in page["orderedItems"]] == [note["id"]]
        # A later follower gets the recent introductions at its own inbox (backfill).
        carol = s.remote.actor("carol")
        await s.follow(carol)
        backfilled = await eventually(lambda: [r for r in s.remote.deliveries if r.path == "/users/carol/inbox"
                                               and r.json()["type"] == "Create"], timeout=10)
        assert backfilled[0].json()["object"]["id"] == note["id"]
        assert (await s.waiting()) == []
        # Registering again (a key rotation) does not announce the blog twice.
        assert (await register(s.inbox, s.client, alice, announce=True)).status_code == 201
        assert await s.waiting() == []


async def test_the_operator_rejects_an_announcement(stage) -> None:
    async with stage(announcements=True) as s:
        await s.follow(s.remote.actor("bob"))
        alice = s.blog.actor("alice", key_index=0)
        await register(s.inbox, s.client, alice, announce=True)
        [waiting] = await s.waiting()
        code, output = await s.run("reject", waiting["id"])
        assert code == 0, output
        assert await s.waiting() == []
        code, output = await s.run("approve", waiting["id"])
        assert code != 0 and "rejected" in output
        code, output = await s.run("approve", "no-such-id")
        assert code != 0 and "no announcement" in output
        await asyncio.sleep(1.5)
        assert created_notes(s.remote) == []


async def test_a_blog_that_did_not_ask_is_not_announced(stage) -> None:
    async with stage(announcements=True, announcements_review=False) as s:
        await s.follow(s.remote.actor("bob"))
        alice = s.blog.actor("alice", key_index=0)
        assert (await register(s.inbox, s.client, alice)).status_code == 201
        carol = s.blog.actor("carol")
        assert (await register(s.inbox, s.client, carol, announce=False)).status_code == 201
        await asyncio.sleep(1.5)
        assert await s.inbox.count("announcements") == 0
        assert created_notes(s.remote) == []


async def test_the_hourly_limit_holds_and_the_rest_wait(stage) -> None:
    async with stage(announcements=True, announcements_review=False, announcements_per_hour=1) as s:
        await s.follow(s.remote.actor("bob"))
        alice, carol = s.blog.actor("alice", key_index=0), s.blog.actor("carol")
        assert (await register(s.inbox, s.client, alice, announce=True)).status_code == 201
        assert (await register(s.inbox, s.client, carol, announce=True)).status_code == 201
        notes = await eventually(lambda: created_notes(s.remote), timeout=10)
        await asyncio.sleep(1.5)
        assert len(created_notes(s.remote)) == 1
        assert notes[0]["tag"][0]["href"] == alice.id
        assert [(w["blog"], w["state"]) for w in await s.waiting()] == [(carol.handle, "approved")]
        releaser = s.inbox.app.state.announcements
        assert await releaser.release() == 0  # still inside the hour
        # An hour passes (for the limit; the signatures' Date stays the real time).
        await s.inbox.db.execute("UPDATE announcements SET sent_at = sent_at - 3601 WHERE state = 'sent'")
        assert await releaser.release() == 1
        await eventually(lambda: len(created_notes(s.remote)) == 2, timeout=10)
        assert created_notes(s.remote)[1]["tag"][0]["href"] == carol.id


def public_post(blog: FakeFediverse, author: RemoteActor, slug: str, *, public: bool = True) -> dict[str, Any]:
    url = f"{blog.base}/ap/posts/{slug}.json"
    note = {"id": url, "type": "Note", "attributedTo": author.id, "content": f"<p>{slug}</p>",
            "to": [PUBLIC] if public else [f"{author.id}/followers"], "published": "2026-01-01T00:00:00Z"}
    return {"@context": AS_CONTEXT, "id": url + "#create", "type": "Create", "actor": author.id,
            "object": note, "to": note["to"]}


async def test_boosts_of_an_opted_in_blogs_public_posts_limited_per_blog(stage) -> None:
    async with stage(announcements=True, announcements_review=False, announcements_boost=True,
                     announcements_boosts_per_blog_per_day=1) as s:
        await s.follow(s.remote.actor("bob"))
        alice, carol = s.blog.actor("alice", key_index=0), s.blog.actor("carol")
        await register(s.inbox, s.client, alice, announce=True)
        await register(s.inbox, s.client, carol)  # did not ask: never boosted
        await eventually(lambda: created_notes(s.remote), timeout=10)
        for author, slug, public in ((alice, "private", False), (carol, "theirs", True),
                                     (alice, "first", True), (alice, "second", True)):
            outbox = s.inbox.url(f"/v1/{author.handle}/outbox")
            answer = await author.post(s.client, outbox, public_post(s.blog, author, slug, public=public))
            assert answer.status_code == 202, answer.text
        announces = await eventually(lambda: s.remote.delivered("Announce"), timeout=10)
        await asyncio.sleep(1.5)
        assert [a["object"] for a in s.remote.delivered("Announce")] == [f"{s.blog.base}/ap/posts/first.json"]
        assert announces[0]["actor"] == s.actor_id and PUBLIC in announces[0]["to"]


async def test_boosts_are_off_unless_the_operator_turns_them_on(stage) -> None:
    async with stage(announcements=True, announcements_review=False) as s:
        await s.follow(s.remote.actor("bob"))
        alice = s.blog.actor("alice", key_index=0)
        await register(s.inbox, s.client, alice, announce=True)
        answer = await alice.post(s.client, s.inbox.url(f"/v1/{alice.handle}/outbox"),
                                  public_post(s.blog, alice, "first"))
        assert answer.status_code == 202
        await eventually(lambda: created_notes(s.remote), timeout=10)
        await asyncio.sleep(1.5)
        assert s.remote.delivered("Announce") == []


async def test_the_operator_stops_announcing_a_blog(stage) -> None:
    async with stage(announcements=True, announcements_boost=True) as s:
        await s.follow(s.remote.actor("bob"))
        alice = s.blog.actor("alice", key_index=0)
        await register(s.inbox, s.client, alice, announce=True)
        code, output = await s.run("stop", alice.handle)
        assert code == 0, output
        assert await s.waiting() == []  # its waiting announcement was withdrawn
        answer = await alice.post(s.client, s.inbox.url(f"/v1/{alice.handle}/outbox"),
                                  public_post(s.blog, alice, "first"))
        assert answer.status_code == 202
        assert await s.waiting() == []
        code, output = await s.run("stop", "not a handle")
        assert code != 0


async def test_bad_input_gets_4xx_json_never_500(stage) -> None:
    async with stage(announcements=True) as s:
        for path, status in (("/.well-known/webfinger", 400),
                             ("/.well-known/webfinger?resource=", 400),
                             ("/.well-known/webfinger?resource=acct:someone@elsewhere.example", 404),
                             (f"/.well-known/webfinger?resource=acct:alice@{s.host}", 404),
                             ("/.well-known/webfinger?resource=%00%ff", 404),
                             ("/announcements/notes/nope", 404),
                             ("/announcements/outbox?page=-1", 400),
                             ("/announcements/outbox?page=abc", 400)):
            answer = await s.client.get(s.inbox.url(path))
            assert answer.status_code == status, (path, answer.text)
            assert answer.headers["content-type"].startswith("application/json"), path
            assert answer.json()["error"], path
        unsigned = await s.client.post(s.actor_inbox, content=b"{not json",
                                       headers={"Content-Type": "application/activity+json"})
        assert 400 <= unsigned.status_code < 500 and unsigned.json()["error"]
        # Nobody registers the announcements actor's name as a blog.
        answer = await s.client.post(s.inbox.url(f"/v1/{s.handle}"), content=b"{}")
        assert answer.status_code == 403 and answer.json()["error"] == "reserved"
        answer = await s.client.delete(s.inbox.url(f"/v1/{s.handle}"))
        assert answer.status_code == 403 and answer.json()["error"] == "reserved"
        shouted = s.handle.replace("announcements", "Announcements")
        answer = await s.client.post(s.inbox.url(f"/v1/{shouted}"), content=b"{}")
        assert answer.status_code == 403 and answer.json()["error"] == "reserved", answer.text
        assert (await s.client.get(s.actor_id)).status_code == 200


async def test_turned_off_and_on_again_it_keeps_its_key_and_followers(tmp_path, database_url: str) -> None:
    async with FakeFediverse() as remote, httpx.AsyncClient(timeout=10) as client:
        bob = remote.actor("bob")
        port = free_port()
        fixed = {"database": database_url, "port": port, "public_url": f"http://127.0.0.1:{port}"}
        handle = f"@announcements@127.0.0.1:{port}"
        actor_id, inbox_path = f"http://127.0.0.1:{port}/announcements", f"/v1/{handle}/inbox"
        async with running_inbox(announcements=True, **fixed) as inbox:
            key = (await client.get(actor_id)).json()["publicKey"]
            assert (await bob.post(client, inbox.url(inbox_path), bob.follow(actor_id))).status_code == 202
            await inbox.settle()
        async with running_inbox(**fixed) as inbox:
            assert (await client.get(actor_id)).status_code == 404
            assert (await client.get(inbox.url(f"/v1/{handle}/followers"))).status_code == 404
            answer = await bob.post(client, inbox.url(inbox_path), bob.follow(actor_id))
            assert answer.status_code == 404 and answer.json()["error"]
        async with running_inbox(announcements=True, **fixed) as inbox:
            assert (await client.get(actor_id)).json()["publicKey"] == key
            assert (await client.get(inbox.url(f"/v1/{handle}/followers"))).json()["totalItems"] == 1
