"""`fedipress inbox …` finds the same database as `serve`, says which one, and refuses to
invent an empty one or to act for an actor the inbox does not know."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from inbox.settings import find_config, load_settings
from inbox.storage.db import Database

ROOT = Path(__file__).resolve().parents[2]


def fedipress(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEDIPRESS_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "fedipress", *args], capture_output=True,
                          text=True, env={**clean, **(env or {})}, cwd=cwd, timeout=60)


def make_database(path: Path, *, actor: str | None = None) -> None:
    async def go() -> None:
        db = await Database.open(path)
        if actor:
            await db.execute(
                "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem,"
                " private_key_pem, manually_approves_followers, announce, created_at)"
                " VALUES (?, 'https://blog.example/ap/actor.json', 'k', 'p', 's', 0, 0, 1)",
                (actor,))
        await db.close()
    asyncio.run(go())


def test_config_is_found_like_serve_finds_it_explicit_then_env_then_inbox_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_config(None, environ={}) is None
    (tmp_path / "inbox.toml").write_text('database = "served.sqlite3"\n')
    assert find_config(None, environ={}) == Path("inbox.toml")
    assert load_settings(environ={}).database == "served.sqlite3"
    other = tmp_path / "other.toml"
    other.write_text('database = "other.sqlite3"\n')
    assert find_config(None, environ={"FEDIPRESS_CONFIG": str(other)}) == other
    assert load_settings(environ={"FEDIPRESS_CONFIG": str(other)}).database == "other.sqlite3"
    assert find_config("x.toml", environ={"FEDIPRESS_CONFIG": str(other)}) == Path("x.toml")


def test_block_without_config_uses_the_servers_database_and_says_which(tmp_path):
    served = tmp_path / "served.sqlite3"
    make_database(served)
    (tmp_path / "inbox.toml").write_text(f'[inbox]\ndatabase = "{served}"\n')
    result = fedipress("inbox", "block", "@troll@spam.example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"database: {served}" in result.stderr and "inbox.toml" in result.stderr
    assert not (tmp_path / "data").exists()
    listed = fedipress("inbox", "list", "blocklist", cwd=tmp_path)
    assert "@troll@spam.example" in listed.stdout


def test_missing_database_is_an_error_not_a_new_empty_file(tmp_path):
    result = fedipress("inbox", "block", "@troll@spam.example", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no inbox database" in result.stderr and "data/inbox.sqlite3" in result.stderr
    assert not (tmp_path / "data").exists()
    deliveries = fedipress("inbox", "deliveries", cwd=tmp_path)
    assert deliveries.returncode == 2 and "no inbox database" in deliveries.stderr


def test_unknown_actor_is_an_error(tmp_path):
    database = tmp_path / "inbox.sqlite3"
    make_database(database, actor="@alice@blog.example")
    env = {"FEDIPRESS_DATABASE": str(database)}
    wrong = fedipress("inbox", "allow", "@friend@good.example", "--actor", "@alise@blog.example",
                      cwd=tmp_path, env=env)
    assert wrong.returncode == 2
    assert "@alise@blog.example is not registered" in wrong.stderr
    assert "FEDIPRESS_DATABASE" in wrong.stderr
    right = fedipress("inbox", "allow", "@friend@good.example", "--actor", "@alice@blog.example",
                      cwd=tmp_path, env=env)
    assert right.returncode == 0, right.stderr
