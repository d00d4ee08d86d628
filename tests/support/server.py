"""Run the real inbox app with uvicorn on a free 127.0.0.1 port, in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import uvicorn

from inbox.app import create_app
from inbox.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningInbox:
    def __init__(self, app: Any, base: str, settings: Settings) -> None:
        self.app = app
        self.base = base
        self.settings = settings

    @property
    def db(self):
        return self.app.state.db

    def url(self, path: str) -> str:
        return self.base + path

    async def count(self, table: str, where: str = "1 = 1", params: tuple = ()) -> int:
        row = await self.db.fetchone(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", params)
        return int(row["n"])

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until every stored activity has been processed."""
        await eventually(lambda: self._all_processed(), timeout=timeout)

    async def _all_processed(self) -> bool:
        return await self.count("activities", "processed_at IS NULL") == 0


def registration_open_for(*servers: Any) -> dict[str, list[str]]:
    """Settings that open registration (closed by default) for every actor on these servers
    (anything with a ``base`` URL, or URL strings): ``running_inbox(**registration_open_for(blog))``."""
    hosts = [(getattr(server, "base", server)).split("://", 1)[1].split("/", 1)[0] for server in servers]
    return {"open_registration": hosts}


@contextlib.asynccontextmanager
async def running_inbox(settings: Settings | None = None, *,
                        clock: Callable[[], float] | None = None,
                        **fields: Any) -> AsyncIterator[RunningInbox]:
    """``async with running_inbox(database=str(tmp_path / "i.sqlite3")) as inbox: ...``

    ``clock`` is passed to ``create_app`` (its wall clock), for tests that move time forward."""
    port = free_port()
    values = {"port": port, "public_url": f"http://127.0.0.1:{port}", "allow_private_fetch": True,
              "log_level": "warning", **fields}
    settings = settings or Settings(**values)
    app = create_app(settings) if clock is None else create_app(settings, clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning",
                            lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise TimeoutError("the inbox did not start")
        await asyncio.sleep(0.01)
    try:
        yield RunningInbox(app, f"http://127.0.0.1:{settings.port}", settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def eventually(check: Callable[[], Awaitable[Any] | Any], *, timeout: float = 5.0,
                     interval: float = 0.02, message: str = "condition not met") -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``message`` and its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value) or isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)
