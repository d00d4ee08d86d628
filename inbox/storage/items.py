"""What activities leave for a local actor: replies, likes, shares, queued follows, reports.

Every lookup that changes something is keyed by the item id AND its author, so nobody can
delete, update or undo what someone else sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox.storage.db import Database

KINDS = ("follow", "reply", "like", "share", "flag", "emoji", "quote")


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
        "INSERT INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id,"
        " content_html, raw, state, created_at, updated_at, visibility)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (item.actor_mention, item.activity_id, item.kind, item.author, item.object_id, item.note_id,
         item.content_html, item.raw, item.state, item.created_at, item.created_at, item.visibility),
    )
    return changed > 0


async def put_reply(db: Database, item: Item) -> bool | None:
    """Insert a reply unless its Note id already belongs to another author: True if new,
    False if it was there already, None if the Note id is someone else's (a forgery).
    One statement in the common case; the owner is looked up only when nothing was inserted."""
    changed = await db.execute(
        "INSERT INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id,"
        " content_html, raw, state, created_at, updated_at, visibility)"
        " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM inbox_items WHERE note_id = ? AND author <> ?)"
        " ON CONFLICT DO NOTHING",
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
    """Approving an edit of a reply also retires the version it replaces (to ``reply_history``),
    so one Note is shown once, as last approved."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE inbox_items SET state = ?, updated_at = ? WHERE actor_mention = ? AND activity_id = ?",
            (state, now, actor_mention, activity_id))
        changed = cursor.rowcount
        await cursor.close()
        if changed and state == "approved":
            await _retire_older_versions(conn, actor_mention, activity_id, now=now)
    return changed > 0


_OLDER_VERSIONS = (
    " FROM inbox_items o JOIN inbox_items n ON n.actor_mention = o.actor_mention"
    " AND n.note_id = o.note_id AND n.author = o.author"
    " WHERE n.actor_mention = ? AND n.activity_id = ? AND n.kind = 'reply' AND o.kind = 'reply'"
    " AND o.activity_id <> n.activity_id AND o.state = 'approved'"
)


async def _retire_older_versions(conn, actor_mention: str, activity_id: str, *, now: float) -> None:
    await conn.execute(
        "INSERT INTO reply_history (actor_mention, note_id, author, activity_id, content_html, raw, replaced_at)"
        " SELECT o.actor_mention, o.note_id, o.author, o.activity_id, o.content_html, o.raw, ?" + _OLDER_VERSIONS,
        (now, actor_mention, activity_id))
    await conn.execute(
        "DELETE FROM inbox_items WHERE rowid IN (SELECT o.rowid" + _OLDER_VERSIONS + ")",
        (actor_mention, activity_id))


async def put_edit(db: Database, item: Item) -> bool:
    """An edit of a reply (``item`` is the Update, with the same note id and author). A version
    still queued is replaced (and kept in the history); otherwise the edit is a new item in
    ``item.state``; approved at once, it retires the approved version. True if stored."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reply_history (actor_mention, note_id, author, activity_id, content_html, raw, replaced_at)"
            " SELECT actor_mention, note_id, author, activity_id, content_html, raw, ? FROM inbox_items"
            " WHERE actor_mention = ? AND kind = 'reply' AND note_id = ? AND author = ? AND state = 'queued'",
            (item.created_at, item.actor_mention, item.note_id, item.author))
        await conn.execute(
            "DELETE FROM inbox_items WHERE actor_mention = ? AND kind = 'reply' AND note_id = ? AND author = ?"
            " AND state = 'queued'", (item.actor_mention, item.note_id, item.author))
        cursor = await conn.execute(
            "INSERT INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id,"
            " content_html, raw, state, created_at, updated_at, visibility)"
            " VALUES (?, ?, 'reply', ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (item.actor_mention, item.activity_id, item.author, item.object_id, item.note_id,
             item.content_html, item.raw, item.state, item.created_at, item.created_at, item.visibility))
        stored = cursor.rowcount > 0
        await cursor.close()
        if stored and item.state == "approved":
            await _retire_older_versions(conn, item.actor_mention, item.activity_id, now=item.created_at)
    return stored


async def replies_by_note(db: Database, note_id: str, author: str) -> list[Item]:
    """Every stored version of a reply, for every local actor holding it (oldest first)."""
    rows = await db.fetchall(
        "SELECT * FROM inbox_items WHERE kind = 'reply' AND note_id = ? AND author = ? ORDER BY rowid",
        (note_id, author))
    return [_item(row) for row in rows]


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
    """Delete of a Note (Mastodon sends a Tombstone with the Note id), only by its author;
    its earlier versions go too."""
    await db.execute("DELETE FROM reply_history WHERE note_id = ? AND author = ?", (note_id, author))
    return await db.execute(
        "DELETE FROM inbox_items WHERE kind = 'reply' AND note_id = ? AND author = ?", (note_id, author)
    )


async def delete_reply_claims(db: Database, note_id: str, genuine_author: str) -> int:
    """Remove replies (and their history) that used ``note_id`` without being its author's."""
    await db.execute("DELETE FROM reply_history WHERE note_id = ? AND author <> ?", (note_id, genuine_author))
    return await db.execute("DELETE FROM inbox_items WHERE kind = 'reply' AND note_id = ? AND author <> ?",
                            (note_id, genuine_author))


async def note_owner(db: Database, note_id: str) -> str | None:
    """Who first sent a reply with this Note id (a Create reusing it is a forgery)."""
    row = await db.fetchone("SELECT author FROM inbox_items WHERE note_id = ? LIMIT 1", (note_id,))
    return row["author"] if row else None


async def delete_by_author(db: Database, author: str) -> int:
    """An actor deleted itself: everything it left goes."""
    await db.execute("DELETE FROM reply_history WHERE author = ?", (author,))
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


# A range over the (actor_mention, state, author) index (migration 050): only that actor's
# queued items from the host are read, from the index alone.
QUEUED_FROM = (
    "SELECT SUM(CASE WHEN author = ? THEN 1 ELSE 0 END) AS by_author, COUNT(*) AS by_host FROM inbox_items"
    " WHERE author >= ? AND author < ? AND actor_mention = ? AND state = 'queued'")


async def queued_from(db: Database, actor_mention: str, author: str, host_prefix: str) -> tuple[int, int]:
    """Queued items one author, and every author under ``host_prefix`` (``https://host/``),
    hold for a local actor."""
    row = await db.fetchone(QUEUED_FROM, (author, host_prefix, host_prefix[:-1] + "0", actor_mention))
    return (int(row["by_author"] or 0), int(row["by_host"] or 0)) if row else (0, 0)


async def reply_owners(db: Database, note_id: str, author: str) -> list[str]:
    """The local actors holding a reply with this Note id by this author (for their hooks)."""
    rows = await db.fetchall(
        "SELECT DISTINCT actor_mention FROM inbox_items WHERE kind = 'reply' AND note_id = ? AND author = ?",
        (note_id, author))
    return [row["actor_mention"] for row in rows]


async def emoji_reactions(db: Database, actor_mention: str, object_id: str, *,
                          limit: int = 50) -> list[tuple[str, int, bytes]]:
    """Approved emoji reactions to one of the blog's objects: (emoji, how many people, the raw
    activity of the first one, which carries a custom emoji's image), most used first."""
    rows = await db.fetchall(
        "SELECT content_html AS emoji, COUNT(DISTINCT author) AS n, MIN(rowid) AS first"
        " FROM inbox_items WHERE actor_mention = ? AND kind = 'emoji' AND object_id = ?"
        " AND state = 'approved' GROUP BY content_html ORDER BY n DESC, first LIMIT ?",
        (actor_mention, object_id, limit))
    if not rows:
        return []
    marks = ", ".join("?" for _ in rows)
    raws = {r["rowid"]: bytes(r["raw"]) for r in await db.fetchall(
        f"SELECT rowid, raw FROM inbox_items WHERE rowid IN ({marks})", [r["first"] for r in rows])}
    return [(row["emoji"], int(row["n"]), raws.get(row["first"], b"{}")) for row in rows]


async def reply_filed_under(db: Database, actor_mention: str, note_id: str) -> str | None:
    """The object a stored reply with this Note id is filed under for ``actor_mention``."""
    row = await db.fetchone(
        "SELECT object_id FROM inbox_items WHERE note_id = ? AND actor_mention = ? AND kind = 'reply'"
        " LIMIT 1", (note_id, actor_mention))
    return row["object_id"] if row else None


async def delete_quote_by_note(db: Database, note_id: str, author: str) -> int:
    """The quoting post was deleted: its quote goes (and its stamp with the next pull)."""
    return await db.execute(
        "DELETE FROM inbox_items WHERE kind = 'quote' AND note_id = ? AND author = ?", (note_id, author))


async def quotes_of(db: Database, actor_mention: str, object_id: str | None = None) -> list[tuple[str, str]]:
    """Approved quotes, as (quoting post, quoted post), oldest first; of one post, or all. A
    quoting post asked twice (a retried QuoteRequest with a new id) is one quote."""
    if object_id is None:
        rows = await db.fetchall(
            "SELECT note_id, object_id FROM inbox_items WHERE actor_mention = ? AND kind = 'quote'"
            " AND state = 'approved' GROUP BY note_id, object_id ORDER BY MIN(created_at), MIN(rowid)",
            (actor_mention,))
    else:
        rows = await db.fetchall(
            "SELECT note_id, object_id FROM inbox_items WHERE actor_mention = ? AND kind = 'quote'"
            " AND object_id = ? AND state = 'approved' GROUP BY note_id, object_id"
            " ORDER BY MIN(created_at), MIN(rowid)", (actor_mention, object_id))
    return [(row["note_id"], row["object_id"]) for row in rows]
