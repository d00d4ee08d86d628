"""Where SQLite and PostgreSQL differ, named and small.

The storage modules write one portable SQL text per statement, in SQLite's placeholder style
(``?``, or ``:name`` with a dict), using only what both engines understand: ``ON CONFLICT``
upserts and ``DO NOTHING``, ``RETURNING``, ``CASE``, and a ``rowid`` column (SQLite's implicit
one; the PostgreSQL migrations declare it as an identity column on the tables that order by it).
What cannot be written portably is here:

- which backend a ``database`` setting names (``database_kind``), refusing any other scheme;
- placeholders and ``%`` escaping, and hex blob literals, for psycopg (``to_postgres``);
- "is in this list of values" (``Dialect.in_list`` / ``Dialect.list_value``): SQLite reads a
  JSON array with ``json_each``, PostgreSQL takes an array with ``= ANY``.

Identity columns, types and collations differ in the migration files (one set per backend,
same version numbers); the batched insert of received activities differs in
``group_commit``; schema introspection differs in ``db.check_schema`` / ``postgres``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fedicore.errors import ConfigError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES_SCHEMES = ("postgresql", "postgres")


class UnsupportedDatabase(ConfigError):
    """A ``database`` value with a scheme the inbox does not speak."""


def database_kind(target: str) -> str:
    """``"sqlite"`` for a file path, ``:memory:`` or ``sqlite:///path``; ``"postgresql"`` for
    ``postgresql://`` (or ``postgres://``); any other ``scheme://`` is an ``UnsupportedDatabase``."""
    match = _SCHEME.match(target)
    if match is None:
        return SQLITE
    scheme = match.group(1).lower()
    if scheme in _POSTGRES_SCHEMES:
        return POSTGRESQL
    if scheme == "sqlite" and target.lower().startswith("sqlite:///") and len(target) > len("sqlite:///"):
        return SQLITE
    if scheme == "sqlite":
        raise UnsupportedDatabase(
            f"database {target!r}: write an SQLite database as a file path or sqlite:///path"
            " (three slashes, then the path)")
    raise UnsupportedDatabase(
        f"database {redacted(target)!r}: the {scheme!r} scheme is not supported; use a file path"
        " or sqlite:///path for SQLite, or postgresql://user@host/name for PostgreSQL")


def sqlite_path(target: str) -> str:
    """The file an SQLite ``database`` value names (``sqlite:////abs`` is ``/abs``)."""
    if target.lower().startswith("sqlite:///"):
        return target[len("sqlite:///"):]
    return target


def redacted(target: str) -> str:
    """The database value fit to print: a URL's password replaced by ``***``."""
    if not _SCHEME.match(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


@dataclass(frozen=True, slots=True)
class Dialect:
    """The named differences a storage module asks for by ``db.dialect``."""

    name: str

    def in_list(self, column: str, param: str = "?") -> str:
        """``column`` is one of a list given as one parameter (see ``list_value``)."""
        if self.name == POSTGRESQL:
            return f"{column} = ANY({param})"
        return f"{column} IN (SELECT value FROM json_each({param}))"

    def not_in_list(self, column: str, param: str = "?") -> str:
        if self.name == POSTGRESQL:
            return f"NOT ({column} = ANY({param}))"
        return f"{column} NOT IN (SELECT value FROM json_each({param}))"

    def list_value(self, values: Iterable[Any]) -> Any:
        """The parameter ``in_list`` reads: a JSON array for SQLite, a list (an array) for
        PostgreSQL."""
        values = list(values)
        return values if self.name == POSTGRESQL else json.dumps(values)


SQLITE_DIALECT = Dialect(SQLITE)
POSTGRESQL_DIALECT = Dialect(POSTGRESQL)

# One token at a time: a quoted string or identifier (left alone except for '%'), a hex blob
# literal, a '?' or ':name' placeholder, a '::' cast, or a '%'.
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|[xX]'([0-9A-Fa-f]*)'|\?|::|:([A-Za-z_]\w*)|%""")
_SQLITE_ONLY = re.compile(r"\bINSERT\s+OR\s+(IGNORE|REPLACE)\b|\bjson_each\s*\(|\bsqlite_master\b", re.I)


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """One portable statement in psycopg's spelling: ``?`` → ``%s``, ``:name`` → ``%(name)s``,
    a literal ``%`` doubled, ``x'0a'`` → ``'\\x0a'::bytea``. SQLite-only syntax is a
    ``ValueError`` naming the portable form, so it is caught by the first test on PostgreSQL."""
    if (found := _SQLITE_ONLY.search(sql)) is not None:
        raise ValueError(f"SQLite-only SQL {found.group(0)!r}: write ON CONFLICT DO NOTHING /"
                         f" DO UPDATE, or use Dialect.in_list: {sql[:120]}")

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token == "::":
            return token
        if match.group(2) is not None:
            return f"%({match.group(2)})s"
        if match.group(1) is not None:
            return f"'\\x{match.group(1)}'::bytea"
        return token.replace("%", "%%")

    return _TOKEN.sub(replace, sql)
