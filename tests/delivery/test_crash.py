"""kill -9 a worker mid fan-out, start another: every inbox still gets the activity.

The restarted worker sees that the lease owner (same machine, dead pid) is gone and resends
at once; leases of workers on other machines wait for expiry (test_order_and_leases).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from inbox.delivery import enqueue
from inbox.storage.db import Database
from tests.delivery.conftest import ACTOR, add_actor, note_activity
from tests.delivery.receivers import Receiver
from tests.support.server import eventually

ROOT = Path(__file__).resolve().parents[2]
INBOXES = 2000


async def start_worker(db_path: Path) -> asyncio.subprocess.Process:
    """`fedipress inbox worker`, the way an operator runs a separate delivery process."""
    config = db_path.with_name("inbox.toml")
    config.write_text(f'[inbox]\ndatabase = "{db_path}"\nallow_private_fetch = true\nlog_level = "warning"\n')
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fedipress", "inbox", "worker", "--config", str(config), cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )


@pytest.mark.slow
async def test_kill_9_mid_fanout_loses_no_delivery(tmp_path, keypair):
    db_path = tmp_path / "inbox.sqlite3"
    db = await Database.open(db_path)
    await add_actor(db, keypair)
    hosts = [await Receiver(public_key_pem=keypair[1], clock=time.time, delay=0.01).start() for _ in range(4)]
    try:
        inboxes = [hosts[n % 4].url(f"/users/{n}/inbox") for n in range(INBOXES)]
        job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=inboxes)

        first = await start_worker(db_path)

        async def some_arrived() -> bool:
            return sum(len(h.hits) for h in hosts) >= INBOXES // 5

        await eventually(some_arrived, timeout=60, interval=0.05,
                         message="the first worker delivered nothing")
        os.kill(first.pid, signal.SIGKILL)
        await first.wait()
        arrived_before = sum(len(h.hits) for h in hosts)
        assert arrived_before < INBOXES, "killed too late to test anything"
        print(f"arrived before kill: {arrived_before}")

        second = await start_worker(db_path)
        try:
            async def all_done() -> bool:
                row = await db.fetchone(
                    "SELECT COUNT(*) AS n FROM deliveries WHERE job_id = ? AND state != 'delivered'", (job,))
                return row["n"] == 0

            await eventually(all_done, timeout=60, interval=0.05,
                             message="the second worker did not finish the deliveries")
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()

        got = {(h.port, hit.path) for h in hosts for hit in h.hits if hit.status == 202}
        wanted = {(h.port, f"/users/{n}/inbox") for n, h in ((n, hosts[n % 4]) for n in range(INBOXES))}
        assert got == wanted
        assert all(hit.verified for h in hosts for hit in h.hits), "a delivery was not validly signed"
    finally:
        for h in hosts:
            await h.stop()
        await db.close()
