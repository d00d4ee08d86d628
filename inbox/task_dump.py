"""``kill -USR1 <pid>``: the running inbox writes every asyncio task and where it waits to its log.

When processing or delivery stops moving while the process is idle, a coroutine is waiting for
something that will not come; a thread dump (py-spy) shows only the idle event loop. This shows
the tasks themselves, so the operator (or a test harness) can see which await it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

log = logging.getLogger("inbox.tasks")
STACK_FRAMES = 12


def describe_tasks(loop: asyncio.AbstractEventLoop | None = None) -> list[str]:
    """One text block per pending task: its name, then the frames it is suspended in."""
    blocks = []
    for task in sorted(asyncio.all_tasks(loop), key=lambda t: t.get_name()):
        lines = [f"task {task.get_name()}: {task.get_coro()!r}"]
        for frame in task.get_stack(limit=STACK_FRAMES):
            lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        blocks.append("\n".join(lines))
    return blocks


def log_tasks() -> None:
    blocks = describe_tasks()
    log.warning("asyncio tasks on request (SIGUSR1): %d\n%s", len(blocks), "\n".join(blocks))


def install() -> None:
    """Log the tasks on SIGUSR1 (where the loop can take signal handlers: the main thread)."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, log_tasks)
