"""Moderation end to end: the real inbox app under uvicorn on 127.0.0.1, signed requests from
fake fediverse servers (also on 127.0.0.1), outcomes checked where a user would see them."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.moderation.world import World, host, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.timeout(90)


async def test_unknown_sender_is_queued_and_allowlisted_sender_goes_through(world: World) -> None:
    assert await world.deliver(world.troll, world.reply(world.troll)) == "reply queued"
    response = await world.as_alice("POST", "/allowlist", f"{world.friend.handle}\n")
    assert response.status_code == 200, response.text
    assert await world.deliver(world.friend, world.reply(world.friend)) == "reply approved"


async def test_block_removes_follower_with_reject_and_hides_replies_until_unblocked(
        world: World) -> None:
    admin_response = await world.send(world.admin, "POST", f"{world.inbox.base}/v1/allowlist",
                                      b"@*@*\n", content_type="text/plain")
    assert admin_response.status_code == 200, admin_response.text
    follow = world.troll.activity("Follow", world.alice.id)
    assert await world.deliver(world.troll, follow) == "follow accepted"
    reply = world.reply(world.troll, "first")
    assert await world.deliver(world.troll, reply) == "reply approved"
    assert world.troll.id in await world.followers()
    assert reply["object"]["id"] in str(await world.replies())

    response = await world.as_alice("POST", "/blocklist", f"{world.troll.handle}\n")
    assert response.status_code == 200, response.text
    assert response.json()["followers_removed"] == 1 and response.json()["items_hidden"] == 1

    rejected = await world.delivered(world.spam, "Reject")
    assert rejected["object"]["id"] == follow["id"]
    assert world.troll.id not in await world.followers()
    assert reply["object"]["id"] not in str(await world.replies())
    assert (await world.deliver(world.troll, world.reply(world.troll, "again"))) in (
        "reply blocked", "http 403")

    response = await world.as_alice("DELETE", "/blocklist", f"{world.troll.handle}\n")
    assert response.status_code == 200 and response.json()["items_restored"] == 1
    assert reply["object"]["id"] in str(await world.replies())


async def test_follow_from_blocked_user_gets_reject(world: World) -> None:
    await world.as_alice("POST", "/blocklist", f"{world.troll.handle}\n")
    follow = world.troll.activity("Follow", world.alice.id)
    assert await world.deliver(world.troll, follow) == "follow rejected"
    rejected = await world.delivered(world.spam, "Reject")
    assert rejected["object"]["id"] == follow["id"]


async def test_expiring_block_is_honoured_with_the_injected_clock(world: World) -> None:
    response = await world.as_alice("POST", "/blocklist?for=1h&reason=cooling+off",
                                    f"{world.friend.handle}\n")
    assert response.status_code == 200, response.text
    assert await world.deliver(world.friend, world.reply(world.friend)) == "reply blocked"
    world.clock.now += 3601
    assert await world.deliver(world.friend, world.reply(world.friend)) == "reply queued"
    listing = await world.as_alice("GET", "/blocklist")
    assert listing.text == ""
    audit = (await world.as_alice("GET", "/audit")).json()["items"]
    assert [(a["action"], a["target"], a["reason"], a["expired"]) for a in audit] == [
        ("block", world.friend.handle, "cooling off", True)]


async def test_invalid_line_is_refused_whole_with_400_naming_it(world: World) -> None:
    response = await world.as_alice("POST", "/blocklist",
                                    f"{world.troll.handle}\nnot-a-handle\n")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_list" and body["detail"]["line"] == 2
    assert (await world.as_alice("GET", "/blocklist")).text == ""


async def test_global_lists_are_for_admins_only(world: World) -> None:
    response = await world.send(world.alice, "POST", f"{world.inbox.base}/v1/blocklist",
                                b"@*@*\n", content_type="text/plain")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    response = await world.send(world.troll, "GET", f"{world.alice_base}/blocklist")
    assert response.status_code == 403


async def test_suspended_domain_is_refused_and_its_followers_get_reject(world: World) -> None:
    follow = world.troll.activity("Follow", world.alice.id)
    assert await world.deliver(world.troll, follow) == "follow accepted"
    csv = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
           f"{host(world.spam)},suspend,false,false,spam,false\n")
    response = await world.send(world.admin, "POST", f"{world.inbox.base}/v1/domainblocks",
                                csv.encode(), content_type="text/csv")
    assert response.status_code == 200, response.text
    assert response.json()["followers_removed"] == 1
    assert (await world.delivered(world.spam, "Reject"))["object"]["id"] == follow["id"]
    outcome = await world.deliver(world.troll, world.reply(world.troll))
    assert outcome in ("http 403", "reply blocked")
    assert await world.deliver(world.friend, world.reply(world.friend)) == "reply queued"


async def test_author_blocks_reporter_from_a_queued_report(world: World) -> None:
    flag = world.troll.activity("Flag", [world.post_url], content="spam!!")
    assert (await world.deliver(world.troll, flag)).startswith("flag")
    response = await world.as_alice("POST", f"/blocklist/from/{quote(flag['id'], safe='')}?for=7d")
    assert response.status_code == 200, response.text
    assert response.json()["blocked"] == world.troll.handle
    assert (await world.as_alice("GET", "/blocklist")).text == f"{world.troll.handle}\n"
    queue = (await world.as_alice("GET", "/inbox")).json()
    assert queue["totalItems"] == 0
    missing = await world.as_alice("POST", f"/blocklist/from/{quote(world.post_url, safe='')}")
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_item"
