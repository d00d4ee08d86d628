"""issue 13, "Identity and origin" and "Expensive work before cheap checks": sent signed to the
running inbox; the answer, and that nothing was stored, changed, fetched or delivered."""

from __future__ import annotations

import json

from tests.inbox.hostile import assert_nothing_happened
from tests.support.server import eventually


async def _reply(world, author, content: str = "<p>hello</p>") -> dict:
    note = author.note(content, in_reply_to=world.post_url())
    assert (await author.post(world.client, world.alice_inbox, author.create(note))).status_code == 202
    await world.inbox.settle()
    return note


# --- 1. id squatting -------------------------------------------------------------------------

async def test_activity_id_on_another_host_is_refused_before_anything_is_stored(world) -> None:
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    follow["id"] = f"{world.blog.base}/users/alice/activities/future-delete"  # someone else's host
    answer = await bob.post(world.client, world.alice_inbox, follow)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "foreign_id"
    await assert_nothing_happened(world, fetched=True)


async def test_a_co_tenant_claiming_the_id_of_a_future_delete_does_not_stop_the_real_one(world) -> None:
    carol, mallory = world.remote.actor("carol"), world.remote.actor("mallory")  # one host
    note = await _reply(world, carol)
    delete_id = f"{carol.id}#delete"  # predictable, as Mastodon's are
    squat = mallory.activity("Like", world.post_url())
    squat["id"] = delete_id
    assert (await mallory.post(world.client, world.alice_inbox, squat)).status_code == 202
    await world.inbox.settle()
    real = carol.activity("Delete", {"id": note["id"], "type": "Tombstone"})
    real["id"] = delete_id
    assert (await carol.post(world.client, world.alice_inbox, real)).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("inbox_items", "kind = 'reply'") == 0
    assert await world.inbox.count("activities", "id = ?", (delete_id,)) == 2
    # the same actor sending the same id again is still processed once
    assert (await carol.post(world.client, world.alice_inbox, real)).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("activities", "id = ?", (delete_id,)) == 2


# --- 13. cheap checks before the key fetch; no remote answer echoed --------------------------

async def test_stale_date_is_401_without_fetching_the_key(world) -> None:
    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    headers = bob.sign("POST", world.alice_inbox, body, now=978307200.0)  # 2001
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_signature"
    await assert_nothing_happened(world)


async def test_wrong_digest_is_401_without_fetching_the_key(world) -> None:
    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    headers = bob.sign("POST", world.alice_inbox, body)
    answer = await world.client.post(world.alice_inbox, content=body.replace(b"Follow", b"Fellow"),
                                     headers=headers)
    assert answer.status_code == 401
    await assert_nothing_happened(world)


async def test_missing_coverage_is_401_without_fetching_the_key(world) -> None:
    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    headers = bob.sign("POST", world.alice_inbox, body, covered=["(request-target)", "host", "date"])
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401
    await assert_nothing_happened(world)


# --- 12. the signature covers the configured public host, not whatever Host says ------------

async def test_request_for_a_host_the_inbox_does_not_serve_is_401_without_fetching(world) -> None:
    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    other = world.alice_inbox.replace("127.0.0.1", "localhost", 1)  # a name public_url does not use
    headers = bob.sign("POST", other, body)  # validly signed, Host: localhost:port
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_signature"
    await assert_nothing_happened(world)


async def test_an_accepted_host_is_verified_like_the_public_one(make_world) -> None:
    world = await make_world(settings={"accepted_hosts": ["localhost"]})
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    body = json.dumps(follow).encode()
    other = world.alice_inbox.replace("127.0.0.1", "localhost", 1)
    answer = await world.client.post(world.alice_inbox, content=body, headers=bob.sign("POST", other, body))
    assert answer.status_code == 202, answer.text
    await world.inbox.settle()
    assert await world.inbox.count("followers") == 1


async def test_key_fetch_refusal_does_not_echo_the_remote_answer(world) -> None:
    bob = world.remote.actor("bob")
    world.remote.serve("/users/bob", {"error": "SECRET-REMOTE-TEXT"}, status=403)
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code in (401, 503)
    assert "403" not in answer.text and "SECRET-REMOTE-TEXT" not in answer.text
    assert "users/bob" not in answer.json()["detail"]
    await eventually(lambda: world.remote.fetches)
    await assert_nothing_happened(world, fetched=True)


async def test_upgrading_keeps_stored_activities_and_dedupes_them_per_actor(tmp_path) -> None:
    import sqlite3

    from inbox.storage.db import Database, _split_statements, migration_files

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at REAL NOT NULL)")
    for version, name, sql in migration_files():
        if version > 6:
            break
        for statement in _split_statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (version, name))
    conn.execute("INSERT INTO activities (id, actor, type, raw, received_at, processed_at, outcome)"
                 " VALUES ('https://r.example/a/1', 'https://r.example/u/bob', 'Like', x'7b7d', 1, 2, 'ok')")
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT id, actor, outcome FROM activities")
        assert [tuple(r) for r in rows] == [("https://r.example/a/1", "https://r.example/u/bob", "ok")]
        await db.execute("INSERT INTO activities (id, actor, type, raw, received_at)"
                         " VALUES ('https://r.example/a/1', 'https://r.example/u/carol', 'Delete', x'7b7d', 3)")
        assert (await db.fetchone("SELECT COUNT(*) AS n FROM activities"))["n"] == 2
    finally:
        await db.close()


# --- 6. note-id claim across tenants --------------------------------------------------------

async def test_a_co_tenant_claiming_a_note_id_first_does_not_drop_the_genuine_reply(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")  # one host
    note = bob.note("<p>the genuine reply</p>", in_reply_to=world.post_url())
    claim = mallory.note("<p>squatted</p>", in_reply_to=world.post_url(), note_id=note["id"])
    assert (await mallory.post(world.client, world.alice_inbox, mallory.create(claim))).status_code == 202
    await world.inbox.settle()
    world.remote.serve(note["id"].split(world.remote.base, 1)[1], note)  # the id's host says: bob's
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT author, content_html FROM inbox_items")
    assert [(r["author"], r["content_html"]) for r in rows] == [(bob.id, "<p>the genuine reply</p>")]
