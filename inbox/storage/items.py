"""What activities leave for a local actor: replies, likes, shares, queued follows, reports.

Every lookup that changes something is keyed by the item id AND its author, so nobody can
delete, update or undo what someone else sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox.storage.db import Database

KINDS = ("follow", "reply", "like", "share", "flag")


@dataclass(frozen=True, slots=True)
class Item:
    actor_mention: str
    activity_id: str
    kind: str
    author: str
    object_id: str | None
    note_id: str | None
    content_html: str | None
    raw: bytes
    state: str
    created_at: float
    visibility: str = "public"  # public | unlisted | private (replies; see migration 008)


def _item(row) -> Item:
    return Item(row["actor_mention"], row["activity_id"], row["kind"], row["author"], row["object_id"],
                row["note_id"], row["content_html"], bytes(row["raw"]), row["state"], row["created_at"],
                row["visibility"])


async def put_item(db: Database, item: Item) -> bool:
    """Insert; an item already there (same actor and activity) is left alone. True if new."""
    changed = await db.execute(
        "INSERT OR IGNORE INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id,"
        " content_html, raw, state, created_at, updated_at, visibility)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (item.actor_mention, item.activity_id, item.kind, item.author, item.object_id, item.note_id,
         item.content_html, item.raw, item.state, item.created_at, item.created_at, item.visibility),
    )
    return changed > 0


async def put_reply(db: Database, item: Item) -> bool | None:
    """Insert a reply unless its Note id already belongs to another author: True if new,
    False if it was there already, None if the Note id is someone else's (a forgery).
    One statement in the common case; the owner is looked up only when nothing was inserted."""
    changed = await db.execute(
        "INSERT OR IGNORE INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id,"
        " content_html, raw, state, created_at, updated_at, visibility)"
        " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM inbox_items WHERE note_id = ? AND author <> ?)",
        (item.actor_mention, item.activity_id, item.kind, item.author, item.object_id, item.note_id,
         item.content_html, item.raw, item.state, item.created_at, item.created_at, item.visibility,
         item.note_id, item.author),
    )
    if changed:
        return True
    owner = await note_owner(db, item.note_id) if item.note_id is not None else None
    return None if owner is not None and owner != item.author else False


async def get_item(db: Database, actor_mention: str, activity_id: str) -> Item | None:
    row = await db.fetchone(
        "SELECT * FROM inbox_items WHERE actor_mention = ? AND activity_id = ?", (actor_mention, activity_id)
    )
    return _item(row) if row else None


async def set_state(db: Database, actor_mention: str, activity_id: str, state: str, *, now: float) -> bool:
    changed = await db.execute(
        "UPDATE inbox_items SET state = ?, updated_at = ? WHERE actor_mention = ? AND activity_id = ?",
        (state, now, actor_mention, activity_id),
    )
    return changed > 0


async def delete_item(db: Database, actor_mention: str, activity_id: str) -> bool:
    changed = await db.execute(
        "DELETE FROM inbox_items WHERE actor_mention = ? AND activity_id = ?", (actor_mention, activity_id)
    )
    return changed > 0


async def delete_by_activity_and_author(db: Database, activity_id: str, author: str) -> int:
    """Undo of a Like/Announce/Follow: only its author can."""
    return await db.execute(
        "DELETE FROM inbox_items WHERE activity_id = ? AND author = ?", (activity_id, author)
    )


async def delete_reply_by_note(db: Database, note_id: str, author: str) -> int:
    """Delete of a Note (Mastodon sends a Tombstone with the Note id), only by its author."""
    return await db.execute(
        "DELETE FROM inbox_items WHERE kind = 'reply' AND note_id = ? AND author = ?", (note_id, author)
    )


async def update_reply_by_note(db: Database, note_id: str, author: str, content_html: str,
                               raw: bytes, *, now: float) -> int:
    return await db.execute(
        "UPDATE inbox_items SET content_html = ?, raw = ?, updated_at = ?"
        " WHERE kind = 'reply' AND note_id = ? AND author = ?",
        (content_html, raw, now, note_id, author),
    )


async def note_owner(db: Database, note_id: str) -> str | None:
    """Who first sent a reply with this Note id (a Create reusing it is a forgery)."""
    row = await db.fetchone("SELECT author FROM inbox_items WHERE note_id = ? LIMIT 1", (note_id,))
    return row["author"] if row else None


async def delete_by_author(db: Database, author: str) -> int:
    """An actor deleted itself: everything it left goes."""
    return await db.execute("DELETE FROM inbox_items WHERE author = ?", (author,))


async def list_items(db: Database, actor_mention: str, *, state: str | None, skip: int,
                     limit: int) -> list[Item]:
    """Newest first."""
    if state is None:
        rows = await db.fetchall(
            "SELECT * FROM inbox_items WHERE actor_mention = ? ORDER BY created_at DESC, rowid DESC"
            " LIMIT ? OFFSET ?", (actor_mention, limit, skip))
    else:
        rows = await db.fetchall(
            "SELECT * FROM inbox_items WHERE actor_mention = ? AND state = ?"
            " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?", (actor_mention, state, limit, skip))
    return [_item(row) for row in rows]


async def count_items(db: Database, actor_mention: str, *, state: str | None) -> int:
    if state is None:
        row = await db.fetchone("SELECT COUNT(*) AS n FROM inbox_items WHERE actor_mention = ?", (actor_mention,))
    else:
        row = await db.fetchone("SELECT COUNT(*) AS n FROM inbox_items WHERE actor_mention = ? AND state = ?",
                                (actor_mention, state))
    return int(row["n"]) if row else 0


async def about_object(db: Database, actor_mention: str, kind: str, object_id: str, *,
                       skip: int, limit: int, unlisted: bool = False) -> tuple[int, list[Item]]:
    """Approved public items of one kind about one of the blog's objects (count, page); with
    ``unlisted``, unlisted ones too. Private replies are never among them."""
    shown = ("public", "unlisted") if unlisted else ("public", "public")
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM inbox_items WHERE actor_mention = ? AND kind = ? AND object_id = ?"
        " AND state = 'approved' AND visibility IN (?, ?)", (actor_mention, kind, object_id, *shown))
    rows = await db.fetchall(
        "SELECT * FROM inbox_items WHERE actor_mention = ? AND kind = ? AND object_id = ?"
        " AND state = 'approved' AND visibility IN (?, ?) ORDER BY created_at, rowid LIMIT ? OFFSET ?",
        (actor_mention, kind, object_id, *shown, limit, skip))
    return (int(row["n"]) if row else 0), [_item(r) for r in rows]


async def reply_owners(db: Database, note_id: str, author: str) -> list[str]:
    """The local actors holding a reply with this Note id by this author (for their hooks)."""
    rows = await db.fetchall(
        "SELECT DISTINCT actor_mention FROM inbox_items WHERE kind = 'reply' AND note_id = ? AND author = ?",
        (note_id, author))
    return [row["actor_mention"] for row in rows]
