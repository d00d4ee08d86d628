"""Move an inbox between backends: copy every table of SOURCE into TARGET (SQLite into
PostgreSQL, or back), in one target transaction, then verify row counts and checksums.

Safe to re-run: an empty target is filled; a target that already holds exactly the source
(same counts and checksums) is left alone and reported as such; a target holding anything else
is refused unless ``replace`` is given, which empties it first (in the same transaction, so an
interrupted copy leaves the target as it was).

Checksums are order independent (the sum of each row's SHA-256, modulo 2**256) over the columns
both sides share, with values normalised (numbers, text, bytes, NULL), so they compare across
engines. ``rowid`` (SQLite's implicit one, an identity column on PostgreSQL) is copied too, so
orderings by arrival survive the move; identity sequences are moved past the copied ids.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fedicore.errors import FedipressError
from inbox.storage.db import Database, newest_known_schema
from inbox.storage.dialect import POSTGRESQL, SQLITE, database_kind, redacted, sqlite_path

CHUNK = 5000
_MOD = 1 << 256
_SKIP = {"schema_migrations", "sqlite_sequence"}
# Rows the migrations themselves put into every new database (012: the shared cache
# generation): a target holding only these is empty, not "other data".
_SEEDED: dict[str, list[dict[str, Any]]] = {"cache_generations": [{"name": "shared", "version": 0}]}


class CopyRefused(FedipressError):
    """The copy would not be safe or cannot work (says why, in one line)."""


@dataclass
class TableReport:
    rows: int
    checksum: int


@dataclass
class CopyReport:
    tables: dict[str, TableReport] = field(default_factory=dict)
    already_copied: bool = False
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables.values())


def _normal(value: Any) -> bytes:
    if value is None:
        return b"N"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"b" + bytes(value).hex().encode()
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float)):
        number = float(value)
        return b"n" + (str(int(number)) if number.is_integer() else repr(number)).encode()
    return b"s" + str(value).encode("utf-8", "surrogatepass")


def row_digest(values: Any) -> int:
    digest = hashlib.sha256(b"\x1f".join(_normal(v) for v in values)).digest()
    return int.from_bytes(digest, "big")


async def table_columns(db: Database) -> dict[str, list[str]]:
    """table -> its columns, in order (without SQLite's implicit rowid)."""
    if db.dialect.name == POSTGRESQL:
        rows = await db.fetchall(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row["table_name"], []).append(row["column_name"])
        return {name: columns for name, columns in found.items() if name not in _SKIP}
    names = [row["name"] for row in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    result = {}
    for name in names:
        if name in _SKIP or name.startswith("sqlite_"):
            continue
        result[name] = [row["name"] for row in await db.fetchall(f"PRAGMA table_info({name})")]
    return result


def _select(table: str, columns: list[str]) -> str:
    return f"SELECT {', '.join(columns)} FROM {table}"


async def _chunks(db: Database, sql: str) -> AsyncIterator[list[Any]]:
    """Every row of ``sql``, a chunk at a time, without holding the whole table in memory."""
    if db.dialect.name == POSTGRESQL:
        async with db.pool.connection() as conn, conn.transaction():  # type: ignore[attr-defined]
            async with conn.cursor(name="fedipress_copy") as cursor:
                await cursor.execute(sql)
                while rows := await cursor.fetchmany(CHUNK):
                    yield rows
        return
    cursor = await db.conn.execute(sql)
    try:
        while rows := await cursor.fetchmany(CHUNK):
            yield rows
    finally:
        await cursor.close()


async def _summaries(db: Database, tables: dict[str, list[str]]) -> dict[str, TableReport]:
    reports = {}
    for table, columns in tables.items():
        count, total = 0, 0
        async for rows in _chunks(db, _select(table, columns)):
            count += len(rows)
            total = (total + sum(row_digest(row) for row in rows)) % _MOD
        reports[table] = TableReport(count, total)
    return reports


def _as_migrated(table: str, columns: list[str]) -> TableReport:
    """What ``table`` holds in a database just made by the migrations (``_summaries``' terms)."""
    rows = _SEEDED.get(table, [])
    total = sum(row_digest([row.get(column) for column in columns]) for row in rows) % _MOD
    return TableReport(len(rows), total)


def _copy_columns(source_columns: list[str], target_columns: list[str], common: list[str]) -> list[str]:
    """The columns to read and write: the shared ones, plus rowid when either side is
    PostgreSQL (an explicit column there; SQLite takes and gives its implicit one by name)."""
    if "rowid" in source_columns or "rowid" in target_columns:
        return ["rowid", *common]
    return common


async def _open(target: str, *, create: bool) -> Database:
    kind = database_kind(target)
    if kind == SQLITE:
        path = sqlite_path(target)
        if not create and not Path(path).is_file():
            raise CopyRefused(f"no SQLite database at {path}")
    db = await Database.open(target, migrate=create)
    version = await db.schema_version() if not create else newest_known_schema()
    if version != newest_known_schema():
        await db.close()
        raise CopyRefused(f"{redacted(target)} is at schema {version:03d}, this release at"
                          f" {newest_known_schema():03d}: run `fedipress inbox migrate` on it first")
    return db


async def copy_database(source: str, target: str, *, replace: bool = False) -> CopyReport:
    """Copy SOURCE into TARGET and verify; see the module's docstring for re-runs."""
    started = time.monotonic()
    source_kind, target_kind = database_kind(source), database_kind(target)
    if source_kind == target_kind == SQLITE and Path(sqlite_path(source)).resolve() == Path(sqlite_path(target)).resolve():
        raise CopyRefused("SOURCE and TARGET are the same database")
    if source_kind == target_kind == POSTGRESQL and source == target:
        raise CopyRefused("SOURCE and TARGET are the same database")
    src = await _open(source, create=False)
    try:
        dst = await _open(target, create=True)
        try:
            report = await _copy(src, dst, replace=replace)
        finally:
            await dst.close()
    finally:
        await src.close()
    report.seconds = time.monotonic() - started
    return report


async def _copy(src: Database, dst: Database, *, replace: bool) -> CopyReport:
    source_tables, target_tables = await table_columns(src), await table_columns(dst)
    if set(source_tables) != set(target_tables):
        raise CopyRefused(f"the two schemas differ: {sorted(set(source_tables) ^ set(target_tables))}")
    common = {t: [c for c in source_tables[t] if c in target_tables[t] and c != "rowid"] for t in source_tables}
    wanted = await _summaries(src, common)
    present = await _summaries(dst, common)
    if present == wanted:
        return CopyReport(wanted, already_copied=True)
    holding = sorted(t for t, r in present.items() if r.rows and r != _as_migrated(t, common[t]))
    if holding and not replace:
        raise CopyRefused(f"the target already holds other data ({', '.join(holding[:4])}...):"
                          " copy into an empty database, or pass --replace to overwrite it")
    plans = {t: _copy_columns(source_tables[t], target_tables[t], common[t]) for t in common}
    if dst.dialect.name == POSTGRESQL:
        await _write_postgresql(src, dst, plans)
    else:
        await _write_sqlite(src, dst, plans)
    copied = await _summaries(dst, common)
    if copied != wanted:
        bad = sorted(t for t in wanted if copied.get(t) != wanted[t])
        raise CopyRefused(f"verification failed after the copy: {', '.join(bad)} differ")
    return CopyReport(copied)


async def _write_postgresql(src: Database, dst: Database, plans: dict[str, list[str]]) -> None:
    """One transaction: empty every table, COPY each in, move identity sequences past the ids."""
    async with dst.pool.connection() as conn, conn.transaction():  # type: ignore[attr-defined]
        await conn.execute(f"TRUNCATE {', '.join(plans)} RESTART IDENTITY")
        for table, columns in plans.items():
            async with conn.cursor() as cursor:
                async with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    async for rows in _chunks(src, _select(table, columns)):
                        for row in rows:
                            await copy.write_row(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
        identities = await conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_identity = 'YES'")
        for table, column in await identities.fetchall():
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)")


async def _write_sqlite(src: Database, dst: Database, plans: dict[str, list[str]]) -> None:
    """One transaction: empty every table, insert each (with its rowid), in chunks."""
    async with dst.transaction() as conn:
        for table in plans:
            await conn.execute(f"DELETE FROM {table}")
        for table, columns in plans.items():
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            async for rows in _chunks(src, _select(table, columns)):
                await conn.executemany(sql, [tuple(row) for row in rows])
