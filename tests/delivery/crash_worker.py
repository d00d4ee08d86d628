"""A delivery worker in its own process, for the kill -9 test: ``python -m tests.delivery.crash_worker DB``."""

from __future__ import annotations

import asyncio
import sys

from inbox.delivery import DeliveryConfig, DeliveryWorker
from inbox.settings import Settings
from inbox.storage.db import Database


async def main(path: str) -> None:
    db = await Database.open(path)
    worker = DeliveryWorker(
        db, Settings(database=path, allow_private_fetch=True),
        config=DeliveryConfig(lease_seconds=2.0, poll_interval=0.1, batch=400, held_per_host=100),
    )
    print("ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
