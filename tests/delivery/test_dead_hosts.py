"""issue 13 item 9: followers whose servers never answer must not hold back a healthy one.
Real sockets on 127.0.0.1: dead hosts accept the connection and never answer."""

from __future__ import annotations

import asyncio
import dataclasses

from inbox.delivery import DeliveryWorker, enqueue
from tests.delivery.conftest import ACTOR, FAST, SETTINGS, note_activity
from tests.support.server import eventually


class DeadHost:
    """Accepts connections, reads, never answers (until ``stop``)."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> DeadHost:
        async def hang(reader, writer):
            self.writers.append(writer)
            await reader.read()

        self.server = await asyncio.start_server(hang, "127.0.0.1", 0)
        return self

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/inbox"  # type: ignore[union-attr]

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        self.server.close()  # type: ignore[union-attr]


async def test_dead_follower_hosts_do_not_delay_a_healthy_one(db, receivers, clock) -> None:
    healthy = await receivers()
    config = dataclasses.replace(FAST, concurrency=4, per_host=2, timeout=60.0)
    worker = DeliveryWorker(db, SETTINGS, clock=clock, config=config)
    await enqueue(db, actor=ACTOR, activity=note_activity("Create", 1), inboxes=[healthy.url()], now=clock())
    assert await worker.run_once() == 1  # the healthy host has answered before
    dead = [await DeadHost().start() for _ in range(8)]
    await enqueue(db, actor=ACTOR, activity=note_activity("Update", 2),
                  inboxes=[d.url() for d in dead] + [healthy.url()], now=clock())
    task = asyncio.create_task(worker.run())
    try:
        # every dead host is still holding its connection (60 s) when the healthy one is served
        await eventually(lambda: len(healthy.hits) == 2, timeout=10,
                         message="the healthy follower waited behind the dead ones")
        assert sum(len(d.writers) for d in dead) >= 1
    finally:
        for d in dead:
            await d.stop()
        await worker.stop()
        await task
