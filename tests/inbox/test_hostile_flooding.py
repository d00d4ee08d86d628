"""issue 13 item 7: disk and queue flooding. Sent signed to the running inbox; the answer, and
how much the database kept (rows and bytes)."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest

from tests.inbox.hostile import assert_nothing_happened


async def _database_bytes(world) -> int:
    """Bytes of the database in use: SQLite's pages not on the free list, after a checkpoint;
    PostgreSQL's tables with their TOAST and indexes, after a vacuum."""
    db = world.inbox.db
    if db.dialect.name == "postgresql":
        await db.execute("VACUUM")  # space of dropped raw bodies goes back to the tables
        row = await db.fetchone(
            "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema()")
        return int(row[0])
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = (await db.fetchone("PRAGMA page_count"))[0] - (await db.fetchone("PRAGMA freelist_count"))[0]
    return pages * (await db.fetchone("PRAGMA page_size"))[0]


async def test_like_of_a_made_up_url_on_the_blogs_host_is_not_kept(world) -> None:
    bob = world.remote.actor("bob")
    made_up = f"{world.blog.base}/ap/posts/made-up-{os.urandom(4).hex()}.json"
    assert (await bob.post(world.client, world.alice_inbox, bob.activity("Like", made_up))).status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_like_of_a_real_post_is_kept(world) -> None:
    bob = world.remote.actor("bob")
    assert (await bob.post(world.client, world.alice_inbox, bob.activity("Like", world.post_url()))).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("inbox_items", "kind = 'like'") == 1


async def test_an_item_keeps_only_bounded_fields_not_the_whole_body(world) -> None:
    bob = world.remote.actor("bob")
    like = bob.activity("Like", world.post_url(), padding="x" * 900_000)
    assert (await bob.post(world.client, world.alice_inbox, like)).status_code == 202
    await world.inbox.settle()
    row = await world.inbox.db.fetchone("SELECT length(raw) AS n FROM inbox_items")
    assert row["n"] < 4096
    # the received activity is not kept whole either once processed
    row = await world.inbox.db.fetchone("SELECT length(raw) AS n FROM activities")
    assert row["n"] < 4096


async def test_dropped_activities_keep_only_their_id(world) -> None:
    bob = world.remote.actor("bob")
    stray = bob.follow(f"{world.blog.base}/users/someone-else")
    stray["padding"] = "y" * 500_000
    assert (await bob.post(world.client, world.alice_inbox, stray)).status_code == 202
    await world.inbox.settle()
    row = await world.inbox.db.fetchone("SELECT id, length(raw) AS n FROM activities")
    assert row["id"] == stray["id"] and row["n"] == 0


async def test_one_actor_cannot_fill_the_queue(make_world) -> None:
    world = await make_world(settings={"max_queued_per_actor": 3, "max_queued_per_host": 5})
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    for n in range(5):
        note = bob.note(f"<p>spam {n}</p>", in_reply_to=world.post_url())
        assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("inbox_items", "author = ?", (bob.id,)) == 3
    for n in range(5):  # same host: the host's cap (5) holds too
        note = carol.note(f"<p>more {n}</p>", in_reply_to=world.post_url())
        await carol.post(world.client, world.alice_inbox, carol.create(note))
    await world.inbox.settle()
    assert await world.inbox.count("inbox_items", "state = 'queued'") == 5


async def test_a_full_queue_freed_by_the_senders_undo_takes_its_next_reply(make_world) -> None:
    """A sender at its cap whose Undo removes a queued reply has room again for the reply after
    it, however the three are batched (a full queue is remembered only until something is
    removed)."""
    world = await make_world(settings={"max_queued_per_actor": 2, "max_queued_per_host": 50})
    bob = world.remote.actor("bob")
    creates = [bob.create(bob.note(f"<p>reply {n}</p>", in_reply_to=world.post_url())) for n in range(3)]
    for create in creates:  # two queued, the third dropped: bob is at his cap
        assert (await bob.post(world.client, world.alice_inbox, create)).status_code == 202
    undo = bob.activity("Undo", creates[0])
    late = bob.create(bob.note("<p>after the undo</p>", in_reply_to=world.post_url()))
    for activity in (undo, late):
        assert (await bob.post(world.client, world.alice_inbox, activity)).status_code == 202
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT activity_id FROM inbox_items WHERE author = ?", (bob.id,))
    assert sorted(row["activity_id"] for row in rows) == sorted([creates[1]["id"], late["id"]])


async def test_moderation_view_pages_by_size(world) -> None:
    bob = world.remote.actor("bob")
    big = "<p>" + "word " * 18_000 + "</p>"  # ~90 KB of sanitised HTML each
    for _ in range(20):
        note = bob.note(big, in_reply_to=world.post_url())
        await bob.post(world.client, world.alice_inbox, bob.create(note))
    await world.inbox.settle()
    url = world.inbox.url(f"/v1/{world.mention}/inbox?limit=20")
    page = await world.alice.get(world.client, url)
    assert page.status_code == 200
    assert len(page.content) < 1_100_000
    assert page.json()["totalItems"] == 20
    assert 0 < len(page.json()["orderedItems"]) < 20
    assert "next" in page.json()


@pytest.mark.parametrize("likes", [20])
async def test_database_growth_per_hostile_actor_is_bounded(world, likes) -> None:
    """A verified actor sends ``likes`` Likes of made-up posts, each padded to ~1 MiB (random,
    so PostgreSQL's TOAST compression cannot hide a stored copy)."""
    bob = world.remote.actor("bob")
    await world.inbox.settle()
    before = await _database_bytes(world)
    for n in range(likes):
        target = f"{world.blog.base}/ap/posts/{quote('x' * 8)}-{n}.json"
        like = bob.activity("Like", target, padding=os.urandom(375_000).hex()[:1_000_000])
        assert (await bob.post(world.client, world.alice_inbox, like)).status_code == 202
    await world.inbox.settle()
    grown = await _database_bytes(world) - before
    print(f"database growth for {likes} padded Likes from one actor: {grown} bytes")
    # A kept body would be 1 MB a Like. PostgreSQL's files keep the space freed by vacuum for
    # reuse (measured: ~9 KB a Like, 60 Likes 0.74 MB), so its bound is per Like.
    limit = 25_000 * likes if world.inbox.db.dialect.name == "postgresql" else 100_000
    assert grown < limit
