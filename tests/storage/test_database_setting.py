"""`database` selects the backend: a path or sqlite:/// keeps SQLite, postgresql:// selects
PostgreSQL, and any other scheme is refused with one line instead of becoming a file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fedicore.errors import ConfigError
from inbox.settings import load_settings
from inbox.storage.dialect import database_kind, sqlite_path

ROOT = Path(__file__).resolve().parents[2]


def fedipress(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEDIPRESS_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "fedipress", *args], capture_output=True,
                          text=True, env={**clean, **env}, cwd=cwd, timeout=60)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_paths_and_sqlite_urls_keep_sqlite_and_postgresql_urls_select_postgresql():
    assert database_kind("data/inbox.sqlite3") == "sqlite"
    assert database_kind(":memory:") == "sqlite"
    assert database_kind("sqlite:///data/inbox.sqlite3") == "sqlite"
    assert sqlite_path("sqlite:///data/inbox.sqlite3") == "data/inbox.sqlite3"
    assert sqlite_path("sqlite:////var/lib/fedipress/inbox.sqlite3") == "/var/lib/fedipress/inbox.sqlite3"
    assert sqlite_path("data/inbox.sqlite3") == "data/inbox.sqlite3"
    assert database_kind("postgresql://fedipress@127.0.0.1:5432/inbox") == "postgresql"
    assert database_kind("postgres://fedipress@db/inbox") == "postgresql"


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/inbox", "redis://127.0.0.1:6379/0",
                                 "sqlite://relative.db", "https://example.com/inbox.sqlite3"])
def test_a_database_url_with_an_unsupported_scheme_is_refused_as_a_setting(url):
    with pytest.raises(ConfigError) as refused:
        load_settings(environ={"FEDIPRESS_DATABASE": url})
    message = str(refused.value)
    assert "\n" not in message and "database" in message and url.split("://")[0] in message


def test_an_unsupported_scheme_makes_serve_exit_2_with_one_line_and_creates_no_file(tmp_path):
    result = fedipress("inbox", "serve", cwd=tmp_path,
                       env={"FEDIPRESS_DATABASE": "mysql://root@127.0.0.1/inbox"})
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_url_never_becomes_an_sqlite_file_named_after_it(tmp_path):
    """Before the backend existed, this created ./postgresql:/... as an SQLite file and
    answered 'applied migrations'. Now it talks to PostgreSQL: nothing listens here, so it
    says so in one line (exit 1) and leaves no file behind."""
    url = f"postgresql://fedipress@127.0.0.1:{closed_port()}/inbox"
    result = fedipress("inbox", "migrate", cwd=tmp_path, env={"FEDIPRESS_DATABASE": url})
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL" in lines[0] and "127.0.0.1" in lines[0], result.stderr
    assert list(tmp_path.rglob("*")) == []


async def test_postgresql_without_its_driver_installed_is_one_line_naming_the_extra(monkeypatch):
    from inbox.storage.db import Database

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as in an install without the extra
    monkeypatch.delitem(sys.modules, "inbox.storage.postgres", raising=False)
    with pytest.raises(ConfigError, match=r"fedipress\[postgresql\]"):
        await Database.open(f"postgresql://fedipress@127.0.0.1:{closed_port()}/inbox")


def test_schema_check_of_postgresql_without_its_driver_is_the_same_one_line(monkeypatch):
    from inbox.storage.db import check_schema

    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "inbox.storage.postgres", raising=False)
    with pytest.raises(ConfigError, match=r"fedipress\[postgresql\]"):
        check_schema(f"postgresql://fedipress@127.0.0.1:{closed_port()}/inbox")
