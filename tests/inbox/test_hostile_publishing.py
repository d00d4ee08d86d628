"""issue 13 items 3 and 14 (public replies API): only public replies (and unlisted ones, when
the operator opts in) are ever served to the public; what is served is sanitised."""

from __future__ import annotations

from urllib.parse import quote

from fedicore.vocab import PUBLIC


async def approve_all(world) -> None:
    """The author approves every queued item through the moderation API."""
    await world.inbox.settle()
    for row in await world.inbox.db.fetchall("SELECT activity_id FROM inbox_items WHERE state = 'queued'"):
        approve = world.inbox.url(f"/v1/{world.mention}/inbox/{quote(row['activity_id'], safe='')}")
        assert (await world.alice.post(world.client, approve, b"")).status_code == 200


def _replies_url(world) -> str:
    return world.inbox.url(f"/v1/{world.mention}/inbox/replies/{quote(world.post_url(), safe='')}")


async def _send_reply(world, author, content: str, *, to: list[str], cc: list[str]) -> dict:
    note = author.note(content, in_reply_to=world.post_url())
    note["to"], note["cc"] = to, cc
    create = author.create(note)
    create["to"], create["cc"] = to, cc
    assert (await author.post(world.client, world.alice_inbox, create)).status_code == 202
    return note


async def _four_replies(world) -> None:
    bob = world.remote.actor("bob")
    followers = f"{bob.id}/followers"
    await _send_reply(world, bob, "<p>public</p>", to=[PUBLIC], cc=[world.alice.id])
    await _send_reply(world, bob, "<p>unlisted</p>", to=[followers], cc=[PUBLIC, world.alice.id])
    await _send_reply(world, bob, "<p>followers only</p>", to=[followers], cc=[world.alice.id])
    await _send_reply(world, bob, "<p>mentioned only</p>", to=[world.alice.id], cc=[])
    await approve_all(world)


async def test_private_replies_are_never_served_by_the_public_replies_api(world) -> None:
    await _four_replies(world)
    answer = await world.client.get(_replies_url(world))
    assert answer.status_code == 200
    assert [item["content"] for item in answer.json()["orderedItems"]] == ["<p>public</p>"]
    assert answer.json()["totalItems"] == 1
    # the others are kept for the author, in the moderation view
    assert await world.inbox.count("inbox_items", "kind = 'reply'") == 4


async def test_unlisted_replies_are_served_when_the_operator_opts_in(make_world) -> None:
    world = await make_world(settings={"publish_unlisted_replies": True})
    await _four_replies(world)
    answer = await world.client.get(_replies_url(world))
    assert sorted(item["content"] for item in answer.json()["orderedItems"]) == ["<p>public</p>", "<p>unlisted</p>"]


async def test_public_replies_api_sanitises_summary_and_drops_script_urls(world) -> None:
    bob = world.remote.actor("bob")
    note = bob.note("<p>hi</p>", in_reply_to=world.post_url())
    note["summary"] = '<img src=x onerror=alert(1)>CW<script>alert(2)</script>'
    note["url"] = "javascript:alert(3)"
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await approve_all(world)
    [item] = (await world.client.get(_replies_url(world))).json()["orderedItems"]
    assert "<" not in item["summary"] and "onerror" not in item["summary"] and "CW" in item["summary"]
    assert "url" not in item
    assert "javascript" not in str(item)
