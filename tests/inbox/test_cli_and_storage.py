"""`fedipress inbox` commands as an operator runs them, settings, migrations and backups."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fedicore.errors import ConfigError
from inbox.settings import load_settings
from inbox.storage import db as db_module
from inbox.storage.db import Database, backup_database
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fedipress", "inbox", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd or ROOT, timeout=60)


def test_settings_merge_toml_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "inbox.toml"
    config.write_text('[inbox]\nport = 9000\npublic_url = "https://inbox.example"\nadmins = ["@a@b.example"]\n')
    settings = load_settings(config, environ={"FEDIPRESS_PORT": "9100", "FEDIPRESS_TRUST_FORWARDED": "true"})
    assert (settings.port, settings.public_url, settings.trust_forwarded) == (9100, "https://inbox.example", True)
    assert settings.admins == ["@a@b.example"]


@pytest.mark.parametrize(("text", "environ"), [
    ("port = 'eighty'", {}),
    ("unknown_field = 1", {}),
    ("public_url = 'ftp://x'", {}),
    ("", {"FEDIPRESS_ALLOW_PRIVATE_FETCH": "maybe"}),
    ("not toml [", {}),
])
def test_bad_settings_are_a_config_error(tmp_path: Path, text: str, environ: dict) -> None:
    config = tmp_path / "inbox.toml"
    config.write_text(text)
    with pytest.raises(ConfigError):
        load_settings(config, environ=environ)


def test_cli_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli("migrate", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_cli_migrate_is_idempotent(tmp_path: Path) -> None:
    env = {"FEDIPRESS_DATABASE": str(tmp_path / "inbox.sqlite3")}
    first = run_cli("migrate", env=env)
    second = run_cli("migrate", env=env)
    assert first.returncode == 0 and "applied migrations 001" in first.stdout
    assert second.returncode == 0 and "up to date" in second.stdout


async def test_upgrade_from_the_first_migration_keeps_data(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "inbox.sqlite3"
    everything = db_module.migration_files()
    monkeypatch.setattr(db_module, "migration_files", lambda: everything[:1])
    old = await Database.open(path)
    await old.execute("INSERT INTO followers (actor_mention, follower_id, inbox, created_at)"
                      " VALUES ('@a@b.example', 'https://r.example/u/1', 'https://r.example/inbox', 1)")
    assert await old.schema_version() == 1
    await old.close()
    monkeypatch.setattr(db_module, "migration_files", lambda: everything)
    new = await Database.open(path)
    try:
        assert await new.schema_version() == everything[-1][0]
        rows = await new.fetchall("SELECT follower_id FROM followers")
        assert [r["follower_id"] for r in rows] == ["https://r.example/u/1"]
        assert await new.migrate() == []
    finally:
        await new.close()


async def test_backup_while_writing_is_a_consistent_copy(tmp_path: Path) -> None:
    source = tmp_path / "inbox.sqlite3"
    db = await Database.open(source)
    try:
        for i in range(50):
            await db.execute("INSERT INTO activities (id, actor, type, raw, received_at) VALUES (?, ?, ?, ?, ?)",
                             (f"https://r.example/a/{i}", "https://r.example/u", "Like", b"{}", i))
        backup_database(source, tmp_path / "copy.sqlite3")
    finally:
        await db.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == 50
    copy.close()


def test_cli_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    env = {"FEDIPRESS_DATABASE": str(tmp_path / "inbox.sqlite3")}
    run_cli("migrate", env=env)
    (tmp_path / "exists.sqlite3").write_text("x")
    result = run_cli("backup", str(tmp_path / "exists.sqlite3"), env=env)
    assert result.returncode == 1 and result.stderr.startswith("error:")
    ok = run_cli("backup", str(tmp_path / "new.sqlite3"), env=env)
    assert ok.returncode == 0, ok.stderr


def test_cli_serve_answers_health_and_logs_json(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "FEDIPRESS_DATABASE": str(tmp_path / "inbox.sqlite3"), "FEDIPRESS_PORT": str(port),
           "FEDIPRESS_RUN_WORKER": "false", "FEDIPRESS_LOG_LEVEL": "info"}
    process = subprocess.Popen([sys.executable, "-m", "fedipress", "inbox", "serve"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.json() == {"status": "ok"}
        missing = httpx.post(f"http://127.0.0.1:{port}/v1/@x@y.example/inbox", content=b"{}")
        assert missing.status_code == 404
        assert (tmp_path / "inbox.sqlite3").exists()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(line.get("status") == 404 and line.get("request_id") for line in lines), stderr[-2000:]
