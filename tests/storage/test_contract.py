"""The storage contract: what every backend behind ``Database`` must answer the same way.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture, tests/conftest.py).
"""

from __future__ import annotations

import asyncio

import pytest

import inbox.moderation  # noqa: F401  (inbox.storage.moderation is imported through it)
from inbox.storage import activities, deliveries, followers, instance, items, moderation, moves, webhooks
from inbox.storage.db import Database, SchemaTooNew, check_schema, migration_files, newest_known_schema
from inbox.storage.dialect import POSTGRESQL, SQLITE
from inbox.storage.group_commit import ReceivedActivity, activity_writer

BLOG = "@alice@blog.example"


@pytest.fixture
async def db(database_url: str):
    database = await Database.open(database_url)
    try:
        yield database
    finally:
        await database.close()


def test_both_backends_ship_the_same_migration_versions_and_names():
    lite = [(version, name) for version, name, _ in migration_files(SQLITE)]
    pg = [(version, name) for version, name, _ in migration_files(POSTGRESQL)]
    assert lite == pg and lite[-1][0] == newest_known_schema()


async def test_migrations_apply_once_each_and_are_recorded(database_url):
    first = await Database.open(database_url)
    try:
        assert await first.migrate() == []  # opening applied them all
        assert await first.schema_version() == newest_known_schema()
        rows = await first.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [(r["version"], r["name"]) for r in rows] == [
            (version, name) for version, name, _ in migration_files(SQLITE)]
    finally:
        await first.close()
    again = await Database.open(database_url)
    assert await again.schema_version() == newest_known_schema()
    await again.close()


async def test_a_schema_newer_than_this_release_is_refused_by_check_and_by_open(database_url):
    db = await Database.open(database_url)
    newer = newest_known_schema() + 1
    await db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                     (newer, "from_the_future", 0.0))
    await db.close()
    refusal = check_schema(database_url)
    assert isinstance(refusal, SchemaTooNew) and f"{newer:03d}" in str(refusal)
    with pytest.raises(SchemaTooNew):
        await Database.open(database_url)


async def test_rows_read_by_name_by_position_and_as_dicts(db):
    await instance.keep_instance_key(db, "pub", "priv", now=1.5)
    row = await db.fetchone("SELECT public_key_pem, created_at FROM instance_key WHERE id = ?", (1,))
    assert row["public_key_pem"] == row[0] == "pub" and row["created_at"] == 1.5
    assert dict(row) == {"public_key_pem": "pub", "created_at": 1.5}
    assert await instance.keep_instance_key(db, "other", "other", now=2) == ("pub", "priv")


async def test_a_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO registration_openings (name, opened_by, opened_at) VALUES (?, ?, ?)",
                               ("*", "op", 1.0))
            raise RuntimeError("boom")
    assert await instance.registration_openings(db) == []
    assert await instance.open_registration(db, "blog.example", who="op", now=1) is True
    assert await instance.open_registration(db, "blog.example", who="op", now=2) is False


async def test_group_commit_stores_each_actor_and_id_once_even_when_sent_together(db):
    writer = activity_writer(db)
    await writer.start()
    try:
        one = ReceivedActivity("https://r.example/a/1", "https://r.example/u", "Like", BLOG, b'{"x": 1}', 10.0)
        same_id_other_actor = ReceivedActivity(one.id, "https://s.example/u", "Like", BLOG, b"{}", 11.0)
        results = await asyncio.gather(*[writer.store(one) for _ in range(5)], writer.store(same_id_other_actor))
        assert sorted(results[:5]) == [False, False, False, False, True] and results[5] is True
        assert await writer.store(one) is False
    finally:
        await writer.stop()
    pending = await activities.unprocessed(db)
    assert [(a.actor, a.raw) for a in pending] == [(one.actor, b'{"x": 1}'), (same_id_other_actor.actor, b"{}")]
    await activities.mark_all_processed(db, [(one.actor, one.id, "ok"), (same_id_other_actor.actor, one.id, "error: x")],
                                        now=20.0)
    assert await activities.count_unprocessed(db) == 0
    kept = await db.fetchall("SELECT actor, raw FROM activities ORDER BY actor")
    assert [bytes(r["raw"]) for r in kept] == [b"", b"{}"]  # a failure keeps its body
    assert await activities.knows_remote_actor(db, one.actor) is True
    assert await activities.knows_remote_actor(db, "https://nobody.example/u") is False


async def test_followers_upsert_move_and_host_ranges_compare_bytes(db):
    for n, follower in enumerate(["https://host.example/u/a", "https://host.example/u/b",
                                  "https://host.example0/u/c", "https://host-example/u/d"]):
        await followers.add_follower(db, followers.Follower(BLOG, follower, follower + "/inbox", None, f"f{n}", 100.0 + n))
    assert await followers.recent_from_host(db, BLOG, "https://host.example/", since=0) == 2
    assert await followers.has_follower_on(db, BLOG, "host.example") is True
    assert await followers.has_follower_on(db, BLOG, "host.exampl") is False
    assert await followers.has_follower_on(db, "@other@b.example", "host.example") is False
    await followers.add_follower(db, followers.Follower(BLOG, "https://host.example/u/a", "https://x/inbox", None, "f9", 1))
    assert (await followers.get_follower(db, BLOG, "https://host.example/u/a")).inbox == "https://x/inbox"
    assert await moves.move_follow(db, BLOG, "https://host.example/u/a", "https://new.example/u/a",
                                   "https://new.example/inbox", None) == 1
    assert await followers.followed_by(db, "https://new.example/u/a", None) == [BLOG]
    assert await followers.count_followers(db, BLOG) == 4
    page = await followers.list_followers(db, BLOG, skip=0, limit=2)
    assert [f.follower_id for f in page] == ["https://host-example/u/d", "https://host.example0/u/c"]


def _item(activity_id: str, author: str, *, kind: str = "reply", note: str | None = None,
          state: str = "approved", at: float = 1.0, obj: str = "https://blog.example/p/1") -> items.Item:
    return items.Item(BLOG, activity_id, kind, author, obj, note, "<p>é</p>", b'{"a": "\xc3\xa9"}', state, at)


async def test_items_insert_once_refuse_forged_note_ids_and_keep_reply_history(db):
    assert await items.put_item(db, _item("like-1", "https://r.example/u", kind="like")) is True
    assert await items.put_item(db, _item("like-1", "https://r.example/u", kind="like")) is False
    assert await items.put_reply(db, _item("c-1", "https://r.example/u", note="https://r.example/n/1")) is True
    assert await items.put_reply(db, _item("c-1", "https://r.example/u", note="https://r.example/n/1")) is False
    assert await items.put_reply(db, _item("c-2", "https://evil.example/u", note="https://r.example/n/1")) is None
    edit = _item("u-1", "https://r.example/u", note="https://r.example/n/1", at=2.0)
    assert await items.put_edit(db, edit) is True
    versions = await items.replies_by_note(db, "https://r.example/n/1", "https://r.example/u")
    assert [v.activity_id for v in versions] == ["u-1"]  # the approved edit retired the first version
    history = await db.fetchall("SELECT activity_id FROM reply_history")
    assert [r["activity_id"] for r in history] == ["c-1"]
    stored = await items.get_item(db, BLOG, "u-1")
    assert stored.raw == b'{"a": "\xc3\xa9"}' and stored.content_html == "<p>é</p>"
    by_author, by_host = await items.queued_from(db, BLOG, "https://r.example/u", "https://r.example/")
    assert (by_author, by_host) == (0, 0)
    assert await items.set_state(db, BLOG, "like-1", "queued", now=3) is True
    assert await items.queued_from(db, BLOG, "https://r.example/u", "https://r.example/") == (1, 1)


async def test_emoji_reactions_and_quotes_group_the_same_way(db):
    for n, (author, emoji) in enumerate([("https://a.example/u", "🎉"), ("https://b.example/u", "🎉"),
                                         ("https://c.example/u", "👍")]):
        await items.put_item(db, items.Item(BLOG, f"e-{n}", "emoji", author, "https://blog.example/p/1", None,
                                            emoji, f'{{"n": {n}}}'.encode(), "approved", float(n)))
    reactions = await items.emoji_reactions(db, BLOG, "https://blog.example/p/1")
    assert [(emoji, count, raw) for emoji, count, raw in reactions] == [("🎉", 2, b'{"n": 0}'), ("👍", 1, b'{"n": 2}')]
    for n in range(2):  # one quoting post asked twice is one quote
        await items.put_item(db, _item(f"q-{n}", "https://a.example/u", kind="quote", note="https://a.example/n/9"))
    assert await items.quotes_of(db, BLOG, "https://blog.example/p/1") == [
        ("https://a.example/n/9", "https://blog.example/p/1")]
    assert await items.quotes_of(db, BLOG) == [("https://a.example/n/9", "https://blog.example/p/1")]


async def test_delivery_claims_keep_order_per_inbox_and_hosts_by_list(db):
    await db.execute(
        "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (BLOG, "https://blog.example/actor", "k", "pub", "priv", 0.0))
    for n in range(2):  # Create then Update of one object to the same inbox: one at a time
        await deliveries.insert_job(db, job_id=f"job-{n}", actor=BLOG, activity_id=f"a-{n}", type_="Create",
                                    object_key="obj", body="{}", now=1.0 + n,
                                    deliveries=[deliveries.NewDelivery("https://h1.example/inbox", "h1.example"),
                                                deliveries.NewDelivery("https://h2.example/inbox", "h2.example")])
    claimed = await deliveries.claim_due(db, worker_id="w1", now=5.0, lease_until=35.0, limit=10, per_host=5,
                                         skip_hosts=["h2.example"])
    assert [(c["job_id"], c["host"]) for c in claimed] == [("job-0", "h1.example")]
    assert await deliveries.claim_due(db, worker_id="w2", now=5.0, lease_until=35.0, limit=10, per_host=5,
                                      skip_hosts=["h1.example"]) != []
    assert await deliveries.job_bodies(db, ["job-0", "job-1"]) == {"job-0": (BLOG, "{}"), "job-1": (BLOG, "{}")}
    outcome = deliveries.Outcome(claimed[0]["id"], BLOG, "https://h1.example/inbox", deliveries.DELIVERED, 1,
                                 None, 202, None, False, 6.0, "job-0")
    host = ("h1.example", "cavage", 0, 0, 0.0, "[]", 0, 6.0, None, None)
    await deliveries.record_outcomes(db, [outcome], [host], worker_id="w1")
    assert (await deliveries.job_counts(db, "job-0"))[deliveries.DELIVERED] == 1
    assert await deliveries.unavailable_hosts(db, ["h1.example", "h9.example"]) == set()
    assert [h["host"] for h in await deliveries.load_hosts(db, ["h1.example"])] == ["h1.example"]
    await deliveries.release_leases(db, worker_id="w2", ids=[])
    assert await deliveries.release_owner(db, "w2") == 1


async def test_moderation_notes_get_their_new_id_and_webhook_calls_queue_once(db):
    first = await moderation.add_note(db, scope="", target="spam.example", author="op", body="a", now=1)
    second = await moderation.add_note(db, scope="", target="spam.example", author="op", body="b", now=2)
    assert second == first + 1
    assert [n["body"] for n in await moderation.notes(db, scope="", target="spam.example")] == ["a", "b"]
    for _ in range(2):
        await webhooks.add_call(db, delivery_id="d-1", actor_mention=BLOG, name="reply", envelope="{}", now=1.0)
    calls = await webhooks.claim_due(db, owner="w", now=2.0, lease=30, limit=10)
    assert [c.delivery_id for c in calls] == ["d-1"]
    assert await webhooks.claim_due(db, owner="v", now=3.0, lease=30, limit=10) == []


async def test_the_doctors_queries_run_on_both_backends(db):
    from inbox.storage import doctor

    await doctor.record_sighting(db, actor="@a@b.example", host="c.example", kind="fetch",
                                 detail=None, times=2, now=1.0)
    await doctor.record_sighting(db, actor="@a@b.example", host="c.example", kind="fetch",
                                 detail="keyId x", times=1, now=2.0)
    [seen] = await doctor.sightings(db, "@a@b.example", "c.example")
    assert seen["times"] == 3 and seen["detail"] == "keyId x" and seen["last_at"] == 2.0
    assert await doctor.recent_deliveries(db, "@a@b.example", "c.example") == []
    assert await doctor.delivery_counts(db, "@a@b.example", "c.example") == {
        "pending": 0, "delivered": 0, "failed": 0}
    assert await doctor.followers_on(db, "@a@b.example", "c.example") == []
    assert await doctor.queued_from(db, "@a@b.example", "c.example") == []
    assert await doctor.host_state(db, "c.example") is None
