"""The PostgreSQL backend: a psycopg 3 connection pool behind ``Database``'s interface.

Statements arrive in the storage modules' portable spelling and are translated once each by
``dialect.to_postgres``; rows come back as ``Row`` (by name and by position, like sqlite3.Row).

Single statements run in autocommit on any pooled connection. ``transaction()`` is what SQLite's
``BEGIN IMMEDIATE`` is: it takes one cluster-wide advisory lock (``WRITE_LOCK``) for the
transaction, so transactions that read then write (claiming deliveries, deciding follows)
stay serialised across every process sharing the database, exactly as on SQLite. The hot write
path (received activities, ``group_commit``) does not take it: its one statement is atomic.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import AsyncConnectionPool

from fedicore.errors import FedipressError
from inbox.storage.db import Database, _split_statements, migration_files, schema_too_new
from inbox.storage.dialect import POSTGRESQL, POSTGRESQL_DIALECT, redacted, to_postgres

WRITE_LOCK = 0x66656469  # pg_advisory_xact_lock key of the write transaction ("fedi")
MIGRATE_LOCK = 0x6D696772  # pg_advisory_lock key held while migrating ("migr")
CONNECT_TIMEOUT = 5
POOL_MAX = 10


class DatabaseUnavailable(FedipressError):
    """The PostgreSQL server named by ``database`` cannot be reached or refused us."""


def where(url: str) -> str:
    """``host:port/name`` of a URL, for one-line errors (never the password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return DatabaseUnavailable(f"cannot use the PostgreSQL database at {where(url)}: {reason}")


class Row:
    """One result row: ``row["name"]``, ``row[0]``, ``dict(row)``, ``row.keys()``."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: str | int) -> Any:
        return self._values[self._index[key]] if isinstance(key, str) else self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values))!r})"


def row_factory(cursor: Any):
    names = [column.name for column in cursor.description or ()]
    index = {name: position for position, name in enumerate(names)}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, index)

    return make


def _params(params: Sequence[Any] | dict | None) -> Sequence[Any] | dict:
    # Always a sequence or mapping: psycopg undoubles '%%' only when parameters are given.
    return () if params is None else params


class Transaction:
    """The connection inside ``transaction()``: execute returns a psycopg cursor (rowcount,
    fetchone, fetchall, close), as aiosqlite's does."""

    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> Any:
        return await self.conn.execute(to_postgres(sql), _params(params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            async with self.conn.cursor() as cursor:
                await cursor.executemany(to_postgres(sql), rows)


class PgDatabase(Database):
    """A pool of autocommit connections to one PostgreSQL database (``Database``'s interface;
    SQLite's connection attributes do not exist here)."""

    dialect = POSTGRESQL_DIALECT

    def __init__(self, pool: AsyncConnectionPool, url: str) -> None:  # noqa: super not called
        self.pool = pool
        self.path = url  # what Database.open was given (workers open a second handle with it)

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True, max_size: int = POOL_MAX) -> PgDatabase:
        try:  # one direct try first: a clear reason beats a pool timeout
            first = await psycopg.AsyncConnection.connect(url, connect_timeout=CONNECT_TIMEOUT)
            await first.close()
        except (psycopg.Error, OSError) as exc:
            raise unavailable(url, exc) from None
        pool = AsyncConnectionPool(url, min_size=1, max_size=max_size, open=False, timeout=30,
                                   kwargs={"autocommit": True, "row_factory": row_factory},
                                   name="fedipress")
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
        db = cls(pool, url)
        if migrate:
            try:
                await db.migrate()
            except BaseException:
                await db.close()
                raise
        return db

    def __repr__(self) -> str:
        return f"PgDatabase({redacted(self.path)!r})"

    async def close(self) -> None:
        await self.pool.close()

    async def migrate(self) -> list[int]:
        """Apply every migration not yet applied, one transaction each, holding a session lock
        so two nodes starting together do not both migrate; returns the versions applied now."""
        applied: list[int] = []
        async with self.pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
                cursor = await conn.execute("SELECT version FROM schema_migrations")
                done = {row[0] for row in await cursor.fetchall()}
                refusal = schema_too_new(max(done, default=0))
                if refusal is not None:
                    raise refusal
                for version, name, sql in migration_files(POSTGRESQL):
                    if version in done:
                        continue
                    async with conn.transaction():
                        for statement in _split_statements(sql):
                            await conn.execute(statement)
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                            (version, name, time.time()))
                    applied.append(version)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
        return applied

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"] or 0) if row else 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN ... COMMIT (ROLLBACK on error) under the cluster-wide write lock."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield Transaction(conn)

    async def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(to_postgres(sql), _params(params))
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        async with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            await cursor.executemany(to_postgres(sql), rows)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> Row | None:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(to_postgres(sql), _params(params))
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[Row]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(to_postgres(sql), _params(params))
            return await cursor.fetchall()


def recorded_schema(url: str) -> int:
    """The highest migration recorded in the database at ``url`` (0 before any), read without
    changing anything; a server that cannot be reached is a ``DatabaseUnavailable``."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
                return 0
            return int(conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0)
    except psycopg.Error as exc:
        raise unavailable(url, exc) from None
