"""`fedipress inbox copy-db`: an SQLite inbox into PostgreSQL and back, verified, re-runnable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import inbox.moderation  # noqa: F401  (inbox.storage.moderation is imported through it)
from inbox.storage import deliveries, followers, items, moderation
from inbox.storage.copy_db import CopyRefused, _summaries, copy_database, table_columns
from inbox.storage.db import Database
from inbox.storage.group_commit import ReceivedActivity, activity_writer

ROOT = Path(__file__).resolve().parents[2]
BLOG = "@alice@blog.example"


def fedipress(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDIPRESS_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "fedipress", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


async def fill(path: str) -> None:
    """An inbox with a bit of everything: bytes and non-ASCII text, NULLs, ids from sequences,
    a table without a key (reply_history), rows whose order is their rowid."""
    db = await Database.open(path)
    await db.execute(
        "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (BLOG, "https://blog.example/actor", "k", "pub", "priv", 1.0))
    writer = activity_writer(db)
    await writer.start()
    for n in range(30):
        await writer.store(ReceivedActivity(f"https://r.example/a/{n}", "https://r.example/u", "Like", BLOG,
                                            f'{{"n": {n}, "é": "\\u00e9"}}'.encode(), 100.0))  # same time: rowid orders
    await writer.stop()
    for n in range(3):
        await followers.add_follower(db, followers.Follower(BLOG, f"https://f{n}.example/u", f"https://f{n}.example/inbox",
                                                            None, None, 5.0 + n))
    for n in range(3):  # same created_at: the listing falls back to rowid
        await items.put_item(db, items.Item(BLOG, f"like-{n}", "like", "https://r.example/u", "https://blog.example/p",
                                            None, None, b"\x00\xff", "approved", 7.0))
    reply = items.Item(BLOG, "c-1", "reply", "https://r.example/u", "https://blog.example/p", "https://r.example/n/1",
                       "<p>naïve ✓</p>", b"{}", "approved", 8.0)
    await items.put_reply(db, reply)
    await items.put_edit(db, items.Item(BLOG, "u-1", "reply", reply.author, reply.object_id, reply.note_id,
                                        "<p>edited</p>", b"{}", "approved", 9.0))
    await deliveries.insert_job(db, job_id="job-1", actor=BLOG, activity_id="a", type_="Create", object_key="o",
                                body="{}", now=10.0, deliveries=[deliveries.NewDelivery(f"https://h{n}.example/inbox",
                                                                                      f"h{n}.example") for n in range(4)])
    for n in range(2):
        await moderation.add_note(db, scope="", target="spam.example", author="op", body=f"note {n}", now=11.0)
    await db.close()


async def summaries(url: str) -> dict:
    db = await Database.open(url, migrate=False)
    try:
        tables = await table_columns(db)
        return await _summaries(db, {t: [c for c in cols if c != "rowid"] for t, cols in tables.items()})
    finally:
        await db.close()


async def test_copy_into_postgresql_and_back_keeps_every_row_order_and_sequence(tmp_path, postgres_server):
    source, back = str(tmp_path / "inbox.sqlite3"), str(tmp_path / "back.sqlite3")
    await fill(source)
    url = postgres_server.fresh_database(migrated=False)
    report = await copy_database(source, url)
    assert not report.already_copied and report.tables["activities"].rows == 30
    assert report.tables["reply_history"].rows == 1 and report.tables["deliveries"].rows == 4

    pg = await Database.open(url)
    try:
        listed = await items.list_items(pg, BLOG, state="approved", skip=0, limit=10)
        assert [i.activity_id for i in listed] == ["u-1", "like-2", "like-1", "like-0"]  # rowid kept
        assert [i.raw for i in listed][1] == b"\x00\xff"
        pending = await pg.fetchall("SELECT id FROM activities WHERE processed_at IS NULL ORDER BY received_at, rowid")
        assert [r["id"] for r in pending] == [f"https://r.example/a/{n}" for n in range(30)]
        assert await moderation.add_note(pg, scope="", target="x", author="op", body="new", now=12) == 3
        await deliveries.insert_job(pg, job_id="job-2", actor=BLOG, activity_id="b", type_="Create",
                                    object_key="o2", body="{}", now=13.0,
                                    deliveries=[deliveries.NewDelivery("https://h9.example/inbox", "h9.example")])
        new_id = await pg.fetchone("SELECT id FROM deliveries WHERE job_id = 'job-2'")
        assert new_id["id"] == 5  # after the copied ids 1-4
        await pg.execute("DELETE FROM deliveries WHERE job_id = 'job-2'")
        await pg.execute("DELETE FROM delivery_jobs WHERE id = 'job-2'")
        await pg.execute("DELETE FROM moderation_notes WHERE id = 3")
    finally:
        await pg.close()

    await copy_database(url, back)
    assert await summaries(back) == await summaries(source)
    lite = await Database.open(back)
    listed = await items.list_items(lite, BLOG, state="approved", skip=0, limit=10)
    assert [i.activity_id for i in listed] == ["u-1", "like-2", "like-1", "like-0"]
    await lite.close()
    postgres_server.drop(url)


async def test_running_the_copy_again_changes_nothing_and_other_data_is_not_overwritten(tmp_path, postgres_server):
    source = str(tmp_path / "inbox.sqlite3")
    await fill(source)
    url = postgres_server.fresh_database()
    await copy_database(source, url)
    again = await copy_database(source, url)
    assert again.already_copied and again.tables["activities"].rows == 30
    assert await summaries(url) == await summaries(source)

    db = await Database.open(source)  # the source moved on: the target now holds something else
    await followers.add_follower(db, followers.Follower(BLOG, "https://late.example/u", "https://late.example/i",
                                                        None, None, 20.0))
    await db.close()
    with pytest.raises(CopyRefused, match="--replace"):
        await copy_database(source, url)
    replaced = await copy_database(source, url, replace=True)
    assert replaced.tables["followers"].rows == 4
    postgres_server.drop(url)


def test_cli_copies_says_what_it_verified_and_refuses_a_missing_source_in_one_line(tmp_path, postgres_server):
    import asyncio

    source = tmp_path / "inbox.sqlite3"
    asyncio.run(fill(str(source)))
    url = postgres_server.fresh_database(migrated=False)
    done = fedipress("inbox", "copy-db", str(source), url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "copied" in done.stdout and "counts and checksums match" in done.stdout
    rerun = fedipress("inbox", "copy-db", f"sqlite:///{source}", url, cwd=tmp_path)
    assert rerun.returncode == 0 and "nothing to do" in rerun.stdout, rerun.stderr
    missing = fedipress("inbox", "copy-db", str(tmp_path / "nope.sqlite3"), url, cwd=tmp_path)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1, missing.stderr
    assert not (tmp_path / "nope.sqlite3").exists()
    bad = fedipress("inbox", "copy-db", str(source), "mysql://root@127.0.0.1/inbox", cwd=tmp_path)
    assert bad.returncode == 2 and "mysql" in bad.stderr
    postgres_server.drop(url)
