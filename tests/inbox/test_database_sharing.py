"""A second connection opened in the serving process (the delivery worker opens its own) must
not cost the first its SQLite locks: with them gone, another process closing its connection
thinks it was the last, checkpoints and deletes the WAL under the server, and whatever the
server writes afterwards is seen by no other process (the inbox benchmark's stall)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from inbox.storage.db import Database

PEEK = ("import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "print(conn.execute('SELECT COUNT(*) FROM schema_migrations').fetchone()[0])\n"
        "conn.close()\n")


def other_process_count(path: Path) -> int:
    """What another process sees, opening and closing a connection as the bench and tests do."""
    out = subprocess.run([sys.executable, "-c", PEEK, str(path)], capture_output=True, text=True,
                         check=True, timeout=60)
    return int(out.stdout)


def test_writes_after_a_second_open_in_the_same_process_stay_visible_to_other_processes(
        tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"

    async def scenario() -> tuple[int, int]:
        first = await Database.open(path)
        try:
            await first.execute("CREATE TABLE marks (n INTEGER)")
            second = await Database.open(path, migrate=False)  # as the delivery worker does
            try:
                before = other_process_count(path)
                await first.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'x', 0)")
                return before, other_process_count(path)
            finally:
                await second.close()
        finally:
            await first.close()

    before, after = asyncio.run(scenario())
    assert after == before + 1


def test_a_database_file_is_private_whether_new_or_already_there(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite3"
    asyncio.run(_open_close(path))
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o644)
    asyncio.run(_open_close(path))
    assert path.stat().st_mode & 0o777 == 0o600


async def _open_close(path: Path) -> None:
    db = await Database.open(path)
    await db.close()
