"""What systemd and the deploy role rely on: readiness over $NOTIFY_SOCKET, check-config,
the schema guard against older code on a newer database, and journald priorities."""

from __future__ import annotations

import io
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from inbox import sd_notify
from inbox.logs import JournalFormatter, configure_logging, writes_to_journal
from inbox.storage.db import migration_files
newest_known_schema = lambda: migration_files()[-1][0]
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "fedipress", "inbox", *args]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(_cli(*args, env=env), capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env}, timeout=60)


def _listening_socket(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(30)
    return sock


def _config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "inbox.toml"
    config.write_text(f'database = "{tmp_path / "inbox.sqlite3"}"\n'
                      f'public_url = "https://inbox.test"\n{extra}')
    return config


def _newer_schema_database(tmp_path: Path) -> None:
    """A database a newer release migrated: its recorded version is past this release's."""
    migrate = _run("migrate", "--config", str(_config(tmp_path)), env={})
    assert migrate.returncode == 0, migrate.stderr
    with sqlite3.connect(tmp_path / "inbox.sqlite3") as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)",
                     (newest_known_schema() + 1, "from_the_future"))


def test_notify_sends_the_state_to_the_socket_systemd_named(tmp_path: Path) -> None:
    with _listening_socket(tmp_path / "notify") as receiver:
        assert sd_notify.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "notify")})
        assert receiver.recv(4096) == b"READY=1"


def test_notify_outside_systemd_sends_nothing() -> None:
    assert sd_notify.notify("READY=1", {}) is False


def test_serve_reports_ready_once_healthz_answers(tmp_path: Path) -> None:
    port = free_port()
    with _listening_socket(tmp_path / "notify") as receiver:
        server = subprocess.Popen(
            _cli("serve", "--config", str(_config(tmp_path)), "--port", str(port), env={}),
            cwd=ROOT, env={**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            assert receiver.recv(4096) == b"READY=1"
            # Ready means serving: no retry loop needed.
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
            server.terminate()
            assert receiver.recv(4096) == b"STOPPING=1"
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_serve_with_a_mistyped_setting_exits_without_reporting_ready(tmp_path: Path) -> None:
    with _listening_socket(tmp_path / "notify") as receiver:
        receiver.settimeout(0.5)
        result = _run("serve", "--config", str(_config(tmp_path, "webhok_timeout = 5\n")),
                      env={"NOTIFY_SOCKET": str(tmp_path / "notify")})
        assert result.returncode == 2
        with pytest.raises(TimeoutError):
            receiver.recv(4096)


def test_check_config_accepts_good_settings(tmp_path: Path) -> None:
    result = _run("check-config", "--config", str(_config(tmp_path)), env={})
    assert result.returncode == 0, result.stderr
    assert "settings ok" in result.stdout


@pytest.mark.parametrize(("extra", "env"), [
    ("webhok_timeout = 5\n", {}),                  # a typo in extra_settings
    ('admins = "@alice@blog.test"\n', {}),         # a string where a list belongs
    ("", {"FEDIPRESS_PORT": "eighty"}),            # a bad secret/override in inbox.env
])
def test_check_config_refuses_bad_settings_with_one_line_and_exit_2(
    tmp_path: Path, extra: str, env: dict[str, str]
) -> None:
    result = _run("check-config", "--config", str(_config(tmp_path, extra)), env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("command", ["check-config", "serve", "migrate"])
def test_older_release_refuses_a_newer_schema_with_one_line(tmp_path: Path, command: str) -> None:
    _newer_schema_database(tmp_path)
    result = _run(command, "--config", str(tmp_path / "inbox.toml"), env={})
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "Traceback" not in line, line
    assert f"schema is at {newest_known_schema() + 1:03d}" in line
    assert "restore the backup" in line


def test_error_lines_carry_syslog_priority_for_journald() -> None:
    record = logging.makeLogRecord({"levelno": logging.ERROR, "levelname": "ERROR", "msg": "boom"})
    assert JournalFormatter().format(record).startswith('<3>{"ts"')
    warning = logging.makeLogRecord({"levelno": logging.WARNING, "levelname": "WARNING", "msg": "w"})
    assert JournalFormatter().format(warning).startswith("<4>")
    info = logging.makeLogRecord({"levelno": logging.INFO, "levelname": "INFO", "msg": "i"})
    assert JournalFormatter().format(info).startswith("<6>")


def test_priority_prefix_only_when_the_stream_is_the_journal(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with (tmp_path / "journal").open("w") as journal, (tmp_path / "other").open("w") as other:
        info = os.fstat(journal.fileno())
        environ = {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"}
        assert writes_to_journal(journal, environ)
        assert not writes_to_journal(other, environ)  # inherited variable, other stream
        assert not writes_to_journal(io.StringIO(), environ)
        monkeypatch.setenv("JOURNAL_STREAM", environ["JOURNAL_STREAM"])
        configure_logging("info", stream=journal)
        try:
            logging.getLogger("inbox.test").error("disk full")
            journal.flush()
        finally:
            configure_logging("info", stream=sys.stderr)
    assert (tmp_path / "journal").read_text().startswith("<3>{")
