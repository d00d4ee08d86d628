"""A real SQLite file with every migration applied, and helpers to seed the inbox tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from inbox.storage.db import Database

BLOG = "@alice@blog.example"
BLOG_URL = "https://blog.example/ap/actor.json"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    await add_local_actor(database, BLOG, BLOG_URL)
    try:
        yield database
    finally:
        await database.close()


async def add_local_actor(db: Database, mention: str, url: str) -> None:
    await db.execute(
        "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem,"
        " manually_approves_followers, announce, created_at) VALUES (?, ?, ?, 'pem', 'pem', 0, 0, 0)",
        (mention, url, url + "#main-key"))


async def add_follower(db: Database, actor: str, follower_url: str) -> None:
    await db.execute(
        "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, follow_activity_id,"
        " created_at) VALUES (?, ?, ?, NULL, ?, 0)",
        (actor, follower_url, follower_url + "/inbox", follower_url + "/follows/1"))


async def add_item(db: Database, actor: str, activity_id: str, author: str, *, kind: str = "reply",
                   state: str = "approved") -> None:
    await db.execute(
        "INSERT INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id,"
        " content_html, raw, state, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, NULL, NULL, '<p>hi</p>', x'7b7d', ?, 0, 0)",
        (actor, activity_id, kind, author, state))


async def states(db: Database, actor: str = BLOG) -> dict[str, str]:
    rows = await db.fetchall(
        "SELECT activity_id, state FROM inbox_items WHERE actor_mention = ?", (actor,))
    return {r["activity_id"]: r["state"] for r in rows}


async def follower_ids(db: Database, actor: str = BLOG) -> set[str]:
    rows = await db.fetchall("SELECT follower_id FROM followers WHERE actor_mention = ?", (actor,))
    return {r["follower_id"] for r in rows}


async def sent_rejects(db: Database) -> list[tuple[str, str]]:
    """(inbox, body) of every queued Reject delivery."""
    rows = await db.fetchall(
        "SELECT d.inbox, j.body FROM deliveries d JOIN delivery_jobs j ON j.id = d.job_id"
        " WHERE j.type = 'Reject'")
    return [(r["inbox"], r["body"]) for r in rows]
