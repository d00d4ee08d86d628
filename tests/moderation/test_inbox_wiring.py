"""Moderation as the running inbox uses it: the scheduler in the app's lifespan and in
``fedipress inbox worker``, the key-domain pre-check, admins from ``/v1/admins`` on every
management route, queue decisions in the audit log, and the sender map behind blocks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

import pytest

from inbox.cli import run_worker
from inbox.moderation.patterns import parse_pattern
from inbox.moderation.service import GLOBAL, add_to_list, remove_from_list
from inbox.settings import Settings
from tests.moderation.conftest import BLOG, add_item, states
from tests.moderation.world import World, host, world  # noqa: F401  (the fixture)
from tests.support.server import eventually

pytestmark = pytest.mark.timeout(90)


async def _admin_post(world: World, path: str, body: str) -> None:
    response = await world.send(world.admin, "POST", f"{world.inbox.base}{path}", body.encode(),
                                content_type="text/plain")
    assert response.status_code == 200, response.text


async def test_hidden_reply_comes_back_when_its_block_expires_without_any_request(
        world: World) -> None:
    await _admin_post(world, "/v1/allowlist", "@*@*\n")
    reply = world.reply(world.friend, "kept")
    assert await world.deliver(world.friend, reply) == "reply approved"
    response = await world.as_alice("POST", "/blocklist?for=1h", f"{world.friend.handle}\n")
    assert response.json()["items_hidden"] == 1
    assert reply["object"]["id"] not in str(await world.replies())

    world.clock.now += 3601
    scheduler = world.inbox.app.state.moderation_scheduler  # started by create_app's lifespan
    await scheduler.tick()
    assert reply["object"]["id"] in str(await world.replies())
    audit = (await world.send(world.admin, "GET", f"{world.inbox.base}/v1/audit")).json()["items"]
    assert audit[0]["action"] == "expire" and audit[0]["who"] == "scheduler"


async def test_worker_process_restores_items_whose_block_expired_while_nothing_ran(
        db, tmp_path: Path) -> None:
    now = 1_800_000_000.0
    author = "https://spam.example/users/troll"
    await add_item(db, BLOG, "https://spam.example/r/1", author)
    await add_to_list(db, scope=BLOG, list_name="block", patterns=[parse_pattern("@troll@spam.example")],
                      who=BLOG, now=now, expires_at=now + 60)
    assert await states(db) == {"https://spam.example/r/1": "hidden"}

    stop = asyncio.Event()
    settings = Settings(database=db.path)
    task = asyncio.create_task(run_worker(settings, stop=stop, clock=lambda: now + 3600))
    try:
        await eventually(lambda: _restored(db), timeout=10, interval=0.025,
                         message="the worker did not restore the reply whose block expired")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def _restored(db) -> bool:
    return await states(db) == {"https://spam.example/r/1": "approved"}


async def test_user_allowlisted_by_the_author_gets_through_a_global_domain_block(
        world: World) -> None:
    spam = host(world.spam)
    await _admin_post(world, "/v1/blocklist", f"@*@{spam}\n")
    other = world.spam.actor("other")
    assert await world.deliver(world.troll, world.reply(world.troll)) == "http 403"
    response = await world.as_alice("POST", "/allowlist", f"{world.troll.handle}\n")
    assert response.status_code == 200
    assert await world.deliver(world.troll, world.reply(world.troll)) == "reply approved"
    # through the shared inbox too: some local actor allows him
    shared = await world.send(world.troll, "POST", f"{world.inbox.base}/v1/inbox",
                              world.reply(world.troll, "shared"))
    assert shared.status_code == 202, shared.text
    assert await world.deliver(other, world.reply(other)) in ("http 403", "reply blocked")


async def test_list_change_from_another_process_applies_within_ten_seconds_of_app_clock(
        world: World) -> None:
    spam = host(world.spam)
    await _admin_post(world, "/v1/blocklist", f"@*@{spam}\n")
    assert await world.deliver(world.troll, world.reply(world.troll)) == "http 403"
    # What `fedipress inbox moderation unblock` does: the database only, no cache cleared.
    await remove_from_list(world.inbox.app.state.db, scope=GLOBAL, list_name="block",
                           patterns=[parse_pattern(f"@*@{spam}")], who="operator",
                           now=world.clock())
    assert await world.deliver(world.troll, world.reply(world.troll)) == "http 403"
    world.clock.now += 11
    assert await world.deliver(world.troll, world.reply(world.troll)) == "reply queued"


async def test_admin_added_through_v1_admins_manages_any_actor(world: World) -> None:
    moderator = world.blog.actor("moderator")
    base = world.alice_base
    refused = await world.send(moderator, "GET", f"{base}/blocklist")
    assert refused.status_code == 403
    await _admin_post(world, "/v1/admins", f"{moderator.handle}\n")
    for path in ("/blocklist", "/inbox", "/followers", "/audit"):
        answer = await world.send(moderator, "GET", base + path)
        assert answer.status_code == 200, (path, answer.text)
    assert (await world.send(moderator, "GET", f"{world.inbox.base}/v1/audit")).status_code == 200


async def test_queue_approve_and_reject_are_audited_with_who_decided(world: World) -> None:
    kept, dropped = world.reply(world.troll, "keep me"), world.reply(world.friend, "drop me")
    assert await world.deliver(world.troll, kept) == "reply queued"
    assert await world.deliver(world.friend, dropped) == "reply queued"
    approve = await world.send(world.admin, "POST",
                               f"{world.alice_base}/inbox/{quote(kept['id'], safe='')}")
    assert approve.status_code == 200, approve.text
    reject = await world.as_alice("DELETE", f"/inbox/{quote(dropped['id'], safe='')}")
    assert reject.status_code == 200, reject.text
    audit = (await world.as_alice("GET", "/audit")).json()["items"]
    assert [(a["action"], a["target"], a["who"], a["detail"]["author"]) for a in audit] == [
        ("reject", dropped["id"], world.alice.handle, world.friend.id),
        ("approve", kept["id"], world.admin.handle, world.troll.id),
    ]


async def test_block_by_handle_finds_actor_whose_url_is_not_the_username(world: World) -> None:
    carol = world.spam.actor("98765", extra={"preferredUsername": "carol"})
    carol_mention = f"@carol@{host(world.spam)}"
    assert carol.document()["preferredUsername"] == "carol" and not carol.id.endswith("/carol")
    await _admin_post(world, "/v1/allowlist", "@*@*\n")
    assert await world.deliver(carol, carol.activity("Follow", world.alice.id)) == "follow accepted"
    reply = world.reply(carol, "hi from carol")
    assert await world.deliver(carol, reply) == "reply approved"

    response = await world.as_alice("POST", "/blocklist", f"{carol_mention}\n")
    assert response.status_code == 200, response.text
    assert response.json()["followers_removed"] == 1 and response.json()["items_hidden"] == 1
    assert carol.id not in await world.followers()
    assert reply["object"]["id"] not in str(await world.replies())


async def test_management_signer_from_a_suspended_domain_is_refused_before_key_fetch(
        world: World) -> None:
    csv = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
           f"{host(world.spam)},suspend,false,false,spam,false\n")
    response = await world.send(world.admin, "POST", f"{world.inbox.base}/v1/domainblocks",
                                csv.encode(), content_type="text/csv")
    assert response.status_code == 200, response.text
    answer = await world.send(world.troll, "GET", f"{world.alice_base}/blocklist")
    assert answer.status_code == 401 and answer.json()["error"] == "blocked"


async def test_owner_still_manages_their_actor_when_their_own_domain_is_blocked(
        world: World) -> None:
    await _admin_post(world, "/v1/blocklist", f"@*@{host(world.blog)}\n")
    answer = await world.as_alice("GET", "/blocklist")
    assert answer.status_code == 200, answer.text
