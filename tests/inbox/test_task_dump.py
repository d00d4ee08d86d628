"""SIGUSR1 makes a running inbox log every asyncio task and the line it waits on."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from inbox import task_dump


def test_sigusr1_logs_a_task_that_waits_forever_with_where_it_waits(caplog):
    async def waits_for_nothing(event: asyncio.Event) -> None:
        await event.wait()

    async def scenario() -> None:
        event = asyncio.Event()
        stuck = asyncio.create_task(waits_for_nothing(event), name="stuck-waiter")
        task_dump.install()
        await asyncio.sleep(0)
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.sleep(0.05)
        asyncio.get_running_loop().remove_signal_handler(signal.SIGUSR1)
        event.set()
        await stuck

    with caplog.at_level(logging.WARNING, logger="inbox.tasks"):
        asyncio.run(scenario())
    text = caplog.text
    assert "task stuck-waiter" in text
    assert "in waits_for_nothing" in text
