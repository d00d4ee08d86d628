"""Group commit of received activities: many concurrent inbox POSTs, one transaction.

Each POST hands its row to ``ActivityWriter.store`` and awaits the outcome. A single writer
thread (stdlib sqlite3, its own connection) drains everything queued so far, inserts it in one
``BEGIN IMMEDIATE ... COMMIT`` and answers every waiter. One thread hop and one fsync per batch
instead of per request is what makes durable throughput scale (see performance-notes.md).

On PostgreSQL (``PgActivityWriter``) the batch is one statement: every row of the batch as
arrays, ``unnest``-ed into ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` the pairs that were
new, one round trip and one commit per batch, with no lock (the statement is atomic, so two
nodes storing the same activity at once still store it once). ``activity_writer(db)`` picks
the writer for the database's backend.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

from inbox.storage.activities import StoredActivity
from inbox.storage.db import Database
from inbox.storage.dialect import POSTGRESQL

INSERT_ACTIVITY = (
    "INSERT OR IGNORE INTO activities (id, actor, type, inbox_mention, raw, received_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
MAX_BATCH = 500
_ID_CHUNK = 500  # bound parameters a statement (SQLite allows at least 999)


def _stored_ids(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (actor, id) pairs of ``keys`` the activities table already holds."""
    wanted = set(keys)
    found: set[tuple[str, str]] = set()
    ids = list({activity_id for _, activity_id in keys})
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start:start + _ID_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(key for key in conn.execute(
            f"SELECT actor, id FROM activities WHERE id IN ({marks})", chunk) if key in wanted)
    return found


# What a POST hands the writer is the very row the processor later reads back.
ReceivedActivity = StoredActivity


class ActivityWriter:
    """SQLite: batches inserts of received activities; ``store`` returns False for an (actor, id) pair
    stored before (the same id from another actor is another activity)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-writer")
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple[ReceivedActivity, asyncio.Future[bool]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()
        self.batches = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._connect)
        self._task = asyncio.create_task(self._run(), name="inbox-group-commit")

    def _connect(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        self._conn = conn

    async def store(self, activity: ReceivedActivity) -> bool:
        """Durably store one activity; True if new, False if this actor's id was already stored."""
        if self._task is None or self._task.done():
            raise RuntimeError("activity writer is not running")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((activity, future))
        self._wakeup.set()
        return await future

    @property
    def queued(self) -> int:
        return len(self._pending)

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                rows = [item for item, _ in batch]
                try:
                    inserted = await self._write_batch(rows)
                except Exception as exc:  # answer every waiter; the HTTP layer turns it into 503
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                self.batches += 1
                for (_, future), new in zip(batch, inserted):
                    if not future.done():
                        future.set_result(new)

    async def _write_batch(self, rows: list[ReceivedActivity]) -> list[bool]:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._write, rows)

    def _write(self, rows: list[ReceivedActivity]) -> list[bool]:
        conn = self._conn
        assert conn is not None
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Two statements a batch, not one a row: which ids are stored already (under
                # the write lock, so nobody can add one meanwhile), then one executemany.
                seen = _stored_ids(conn, list({(row.actor, row.id) for row in rows}))
                inserted, fresh = [], []
                for row in rows:
                    new = (row.actor, row.id) not in seen
                    inserted.append(new)
                    if new:
                        seen.add((row.actor, row.id))
                        fresh.append((row.id, row.actor, row.type, row.inbox_mention, row.raw,
                                      row.received_at))
                conn.executemany(INSERT_ACTIVITY, fresh)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return inserted

    async def stop(self) -> None:
        if self._task is not None:
            while self._pending:
                self._wakeup.set()
                await asyncio.sleep(0.01)
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.get_running_loop().run_in_executor(self._executor, conn.close)
        self._executor.shutdown(wait=False)


PG_INSERT_ACTIVITIES = (
    "INSERT INTO activities (id, actor, type, inbox_mention, raw, received_at)"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::bytea[], %s::float8[])"
    " ON CONFLICT DO NOTHING RETURNING actor, id"
)


class PgActivityWriter(ActivityWriter):
    """PostgreSQL: the same batching (one batch in flight, the next one growing meanwhile),
    each batch one ``INSERT ... SELECT FROM unnest(...)`` on a pooled connection."""

    def __init__(self, db: Database) -> None:
        super().__init__(db.path)
        self._db = db

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-group-commit")

    async def _write_batch(self, rows: list[ReceivedActivity]) -> list[bool]:
        first: dict[tuple[str, str], int] = {}
        for position, row in enumerate(rows):  # a pair twice in one batch: the first is the new one
            first.setdefault((row.actor, row.id), position)
        fresh = [rows[position] for position in first.values()]
        columns = ([r.id for r in fresh], [r.actor for r in fresh], [r.type for r in fresh],
                   [r.inbox_mention for r in fresh], [bytes(r.raw) for r in fresh],
                   [float(r.received_at) for r in fresh])
        async with self._db.pool.connection() as conn:  # type: ignore[attr-defined]
            cursor = await conn.execute(PG_INSERT_ACTIVITIES, columns)
            stored = {(row[0], row[1]) for row in await cursor.fetchall()}
        return [first[(row.actor, row.id)] == position and (row.actor, row.id) in stored
                for position, row in enumerate(rows)]

    async def stop(self) -> None:
        if self._task is not None:
            while self._pending:
                self._wakeup.set()
                await asyncio.sleep(0.01)
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=False)


def activity_writer(db: Database) -> ActivityWriter:
    """The group-commit writer for ``db``'s backend (not started)."""
    if db.dialect.name == POSTGRESQL:
        return PgActivityWriter(db)
    return ActivityWriter(db.path)
