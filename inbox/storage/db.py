"""The database connection and the versioned schema migrations.

``Database.open(target)`` opens what the ``database`` setting names: an SQLite file (WAL, one
aiosqlite connection, this module) or a PostgreSQL URL (a psycopg pool, ``postgres.py``); both
answer the same small interface (execute, executemany, fetchone, fetchall, transaction).

Migrations are files ``migrations/NNN_name.sql`` (SQLite) and ``migrations/postgresql/NNN_name.sql``
(the same versions in PostgreSQL's dialect), applied in order, each in its own transaction,
recorded in ``schema_migrations``. A migration is never edited once released: an upgrade adds a
new file to both sets, so no upgrade loses data.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import aiosqlite

from fedicore.errors import ConfigError, FedipressError
from inbox.storage.dialect import POSTGRESQL, SQLITE, SQLITE_DIALECT, database_kind, sqlite_path

MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_MIGRATION_PACKAGES = {SQLITE: "inbox.storage.migrations",
                       POSTGRESQL: "inbox.storage.migrations.postgresql"}


def migration_files(dialect: str = SQLITE) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped for ``dialect``, in order."""
    found = []
    for entry in resources.files(_MIGRATION_PACKAGES[dialect]).iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a version: {versions}")
    return found


class SchemaTooNew(FedipressError):
    """The database was migrated by a newer release than the one now starting."""


def newest_known_schema() -> int:
    """The highest migration version this release ships."""
    files = migration_files()
    return files[-1][0] if files else 0


def schema_too_new(recorded: int) -> SchemaTooNew | None:
    """Why this release must not open a database whose schema is at ``recorded``, or None."""
    known = newest_known_schema()
    if recorded <= known:
        return None
    return SchemaTooNew(
        f"database schema is at {recorded:03d} but this release knows only up to {known:03d}:"
        " a newer Fedipress migrated it; deploy that release again, or restore the backup"
        " taken before the upgrade")


def postgres_backend() -> ModuleType:
    """``inbox.storage.postgres``, imported when a PostgreSQL URL is used (its driver is the
    optional ``postgresql`` extra: missing, it is one line naming the extra)."""
    try:
        return importlib.import_module("inbox.storage.postgres")
    except ImportError as exc:
        raise ConfigError(f"database is PostgreSQL but its driver is not installed ({exc.name}):"
                          " pip install 'fedipress[postgresql]'") from None


def check_schema(path: str | Path) -> SchemaTooNew | None:
    """Read the schema version recorded in the database ``path`` names (without changing it).

    A missing file or one with no migrations yet is fine: this release will create or
    migrate it. A PostgreSQL server that cannot be reached is a ``DatabaseUnavailable``."""
    if database_kind(str(path)) == POSTGRESQL:
        return schema_too_new(postgres_backend().recorded_schema(str(path)))
    path = sqlite_path(str(path))
    if str(path) == ":memory:" or not Path(path).is_file():
        return None
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
        if not has_table:
            return None
        recorded = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    finally:
        conn.close()
    return schema_too_new(int(recorded or 0))


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")


class Database:
    """One aiosqlite connection in autocommit mode; transactions are explicit.

    ``Database.open`` returns a ``postgres.PgDatabase`` (a subclass speaking the same
    interface) when given a PostgreSQL URL."""

    dialect = SQLITE_DIALECT

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        # One connection: two coroutines must never interleave BEGIN ... COMMIT on it.
        self._tx_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True) -> Database:
        if database_kind(str(path)) == POSTGRESQL:
            return await postgres_backend().PgDatabase.connect(str(path), migrate=migrate)
        path = sqlite_path(str(path))
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            create_private(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=10000")
        db = cls(conn, path)
        if migrate:
            await db.migrate()
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def migrate(self) -> list[int]:
        """Apply every migration not yet applied; returns the versions applied now."""
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        rows = await self.fetchall("SELECT version FROM schema_migrations")
        done = {row["version"] for row in rows}
        refusal = schema_too_new(max(done, default=0))
        if refusal is not None:
            raise refusal
        applied = []
        for version, name, sql in migration_files():
            if version in done:
                continue
            async with self.transaction():
                for statement in _split_statements(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, time.time()),
                )
            applied.append(version)
        return applied

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"] or 0) if row else 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error; one transaction at a time."""
        async with self._tx_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                # Also when cancelled while BEGIN was queued: it still runs in aiosqlite's
                # thread, and a BEGIN left open would hold the write lock for good.
                await _to_the_end(self.conn, "ROLLBACK", ignore_errors=True)
                raise
            else:
                try:
                    await _to_the_end(self.conn, "COMMIT")
                except BaseException:  # a refused COMMIT leaves the transaction open
                    await _to_the_end(self.conn, "ROLLBACK", ignore_errors=True)
                    raise

    async def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        """Run one statement (autocommit); returns the number of rows changed."""
        if _ONE_HOP:
            return await self.conn._execute(_rowcount, self.conn._conn, sql, params)
        cursor = await self.conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> aiosqlite.Row | None:
        if _ONE_HOP:
            return await self.conn._execute(_first_row, self.conn._conn, sql, params)
        cursor = await self.conn.execute(sql, params)
        row = await cursor.fetchone()
        await cursor.close()
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[aiosqlite.Row]:
        if _ONE_HOP:
            return await self.conn._execute(_all_rows, self.conn._conn, sql, params)
        cursor = await self.conn.execute(sql, params)
        rows = await cursor.fetchall()
        await cursor.close()
        return list(rows)


async def _to_the_end(conn: aiosqlite.Connection, sql: str, *, ignore_errors: bool = False) -> None:
    """Run ``sql`` and wait until it has run, even if the caller is cancelled meanwhile (the
    cancellation is raised afterwards): the lock must not pass on with the transaction open."""
    step = asyncio.ensure_future(conn.execute(sql))
    cancelled = False
    while True:
        try:
            await asyncio.shield(step)
            break
        except asyncio.CancelledError:
            if step.done():  # it ran; say how, rather than only that we were cancelled
                failure = None if step.cancelled() else step.exception()
                if failure is not None and not ignore_errors:
                    raise failure from None
                break
            cancelled = True
        except sqlite3.Error:
            if not ignore_errors:
                raise
            break
    if cancelled:
        raise asyncio.CancelledError()


# Each aiosqlite call is a hop to its thread, and the hops (not SQLite) dominate small
# queries: execute + fetch + close is three. aiosqlite's ``_execute`` runs one function in
# its thread, so a query costs one hop. Private API, so used only where it exists.
_ONE_HOP = hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn")


def _rowcount(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict) -> int:
    cursor = conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _first_row(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict) -> Any:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _all_rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] | dict) -> list[Any]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def create_private(path: str | Path) -> None:
    """Make sure the database file exists and only its owner can read it (it holds the local
    actors' private keys); SQLite gives its -wal and -shm files the same mode.

    An existing file is only chmod-ed, never opened: closing any descriptor of a file drops
    every POSIX lock this process holds on it, SQLite's too. A connection already open here
    (the app's, when the delivery worker opens its own) would then look absent to other
    processes, and the next one to close would delete the WAL under it, losing later writes."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def backup_database(source: str | Path, dest: str | Path) -> None:
    """Copy a live database with SQLite's online backup API (consistent while it is written)."""
    source, dest = Path(source), Path(dest)
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    create_private(dest)
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _split_statements(sql: str) -> list[str]:
    """Split a migration file on ';' at line ends (migrations hold no triggers with bodies)."""
    statements, current = [], []
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") or not stripped:
            continue
        current.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(current))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements
