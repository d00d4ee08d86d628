"""Replies to replies are filed under the blog post their thread started from: remote actors on
loopback, parents stored here or fetched (boundedly) from their servers."""

from __future__ import annotations

from urllib.parse import quote

from inbox.handlers.thread import MAX_THREAD_FETCHES
from tests.support.remote import FakeFediverse


def _allowed(world, *actors) -> None:
    """Admins are allowed by moderation, so their replies are approved at once."""
    world.inbox.app.state.settings.admins.extend(actor.handle for actor in actors)


def _published(server: FakeFediverse, note: dict) -> dict:
    """The note is served at its id by its author's server (what a parent fetch reads)."""
    server.serve(note["id"].removeprefix(server.base), {"@context": "https://www.w3.org/ns/activitystreams", **note})
    return note


def _note_fetches(server: FakeFediverse) -> list[str]:
    return [r.path for r in server.fetches if "/statuses/" in r.path]


async def _send(world, actor, note: dict) -> None:
    answer = await actor.post(world.client, world.alice_inbox, actor.create(note))
    assert answer.status_code == 202, answer.text


async def _replies(world) -> list[dict]:
    url = world.inbox.url(f"/v1/{world.mention}/inbox/replies/{quote(world.post_url(), safe='')}")
    return (await world.client.get(url)).json().get("orderedItems", [])


async def _outcomes(world) -> list[str]:
    rows = await world.inbox.db.fetchall("SELECT outcome FROM activities ORDER BY received_at, rowid")
    return [row["outcome"] for row in rows]


async def test_three_level_thread_from_two_servers_is_filed_under_the_post(world) -> None:
    async with FakeFediverse() as other:
        bob, carol, dave = world.remote.actor("bob"), world.remote.actor("carol"), other.actor("dave")
        _allowed(world, bob, carol, dave)
        first = _published(world.remote, bob.note("<p>level one</p>", in_reply_to=world.post_url()))
        second = _published(world.remote, carol.note("<p>level two</p>", in_reply_to=first["id"]))
        third = dave.note("<p>level three</p>", in_reply_to=second["id"])
        for actor, note in ((bob, first), (carol, second), (dave, third)):
            await _send(world, actor, note)
            await world.inbox.settle()
        replies = await _replies(world)
    assert [(r["content"], r["inReplyTo"]) for r in replies] == [
        ("<p>level one</p>", world.post_url()), ("<p>level two</p>", first["id"]),
        ("<p>level three</p>", second["id"])]
    assert _note_fetches(world.remote) == []  # every parent was already stored: no fetch


async def test_reply_to_a_parent_never_delivered_here_fetches_the_parent(world) -> None:
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    _allowed(world, carol)
    unseen = _published(world.remote, bob.note("<p>not sent to us</p>", in_reply_to=world.post_url()))
    await _send(world, carol, carol.note("<p>answer</p>", in_reply_to=unseen["id"]))
    await world.inbox.settle()
    assert [r["content"] for r in await _replies(world)] == ["<p>answer</p>"]
    assert len(_note_fetches(world.remote)) == 1


async def test_reply_to_a_reply_that_mentions_the_blog_is_filed_under_the_post_not_the_actor(world) -> None:
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    _allowed(world, bob, carol)
    first = _published(world.remote, bob.note("<p>one</p>", in_reply_to=world.post_url()))
    await _send(world, bob, first)
    note = carol.note("<p>two</p>", in_reply_to=first["id"], mention=world.alice.id)
    await _send(world, carol, note)
    await world.inbox.settle()
    assert [r["content"] for r in await _replies(world)] == ["<p>one</p>", "<p>two</p>"]


async def test_note_whose_context_is_the_post_is_filed_under_it_without_fetching(world) -> None:
    carol = world.remote.actor("carol")
    _allowed(world, carol)
    note = carol.note("<p>in context</p>", in_reply_to=f"{world.remote.base}/users/x/statuses/gone")
    note["context"] = world.post_url()
    await _send(world, carol, note)
    await world.inbox.settle()
    assert [r["content"] for r in await _replies(world)] == ["<p>in context</p>"]
    assert _note_fetches(world.remote) == []


async def test_chain_deeper_than_the_bound_is_dropped_after_a_few_fetches(world) -> None:
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    _allowed(world, carol)
    parent = world.post_url()
    for depth in range(30):
        parent = _published(world.remote, bob.note(f"<p>{depth}</p>", in_reply_to=parent))["id"]
    await _send(world, carol, carol.note("<p>deep</p>", in_reply_to=parent))
    await world.inbox.settle()
    assert await _replies(world) == []
    assert (await _outcomes(world))[-1] == "drop: not in a thread under one of the blog's posts"
    assert len(_note_fetches(world.remote)) == MAX_THREAD_FETCHES


async def test_chain_that_loops_is_dropped(world) -> None:
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    _allowed(world, carol)
    a_id, b_id = f"{bob.id}/statuses/a", f"{bob.id}/statuses/b"
    _published(world.remote, bob.note("<p>a</p>", in_reply_to=b_id, note_id=a_id))
    _published(world.remote, bob.note("<p>b</p>", in_reply_to=a_id, note_id=b_id))
    await _send(world, carol, carol.note("<p>loop</p>", in_reply_to=a_id))
    await world.inbox.settle()
    assert await _replies(world) == []
    assert len(_note_fetches(world.remote)) <= MAX_THREAD_FETCHES


async def test_reply_whose_chain_leads_to_someone_elses_post_is_dropped(world) -> None:
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    _allowed(world, carol)
    elsewhere = _published(world.remote, bob.note("<p>bob's own post</p>"))
    reply = _published(world.remote, bob.note("<p>self reply</p>", in_reply_to=elsewhere["id"]))
    await _send(world, carol, carol.note("<p>not about the blog</p>", in_reply_to=reply["id"]))
    await world.inbox.settle()
    assert await _replies(world) == []
    assert await world.inbox.count("inbox_items") == 0
    assert (await _outcomes(world))[-1] == "drop: not in a thread under one of the blog's posts"
