"""`fedipress inbox deliveries` as an operator runs it (a real process and database file)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from inbox.delivery.cli import deliveries_command
from inbox.delivery.policy import HostState, host_after_failure
from inbox.delivery.hosts import host_to_row
from inbox.storage import deliveries as store

ROOT = Path(__file__).resolve().parents[2]


async def test_deliveries_lists_failing_hosts_and_revive_makes_one_available(db, tmp_path):
    state = HostState("down.example")
    for day in range(7):
        state = host_after_failure(state, 1_700_000_000.0 + day * 86400, error="HTTP 503")
    await store.record_outcomes(db, [], [host_to_row(state)], worker_id="w")
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, deliveries_command, ["--database", db.path])
    assert result.exit_code == 0, result.output
    assert "down.example" in result.output and "unavailable" in result.output

    result = await asyncio.to_thread(
        runner.invoke, deliveries_command, ["--database", db.path, "--revive", "down.example", "--json"]
    )
    report = json.loads(result.output)
    assert report["failing_hosts"] == []
    assert report["deliveries"] == {"pending": 0, "delivered": 0, "failed": 0}


def test_deliveries_on_a_missing_database_is_one_line_and_non_zero(tmp_path):
    code = "import sys; from inbox.delivery.cli import deliveries_command as c; c.main(sys.argv[1:])"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--database", str(tmp_path / "none.sqlite3")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "no inbox database" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
