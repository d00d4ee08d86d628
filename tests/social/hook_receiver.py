"""A webhook receiver on 127.0.0.1 that records calls and answers scripted statuses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.loopback import serve_catch_all


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HookReceiver:
    """``statuses`` are answered in order (the last one repeats); ``on_call`` runs per call."""

    statuses: list[int] = field(default_factory=lambda: [204])
    on_call: Callable[[Call], Awaitable[Any]] | None = None
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> HookReceiver:
        self._runner, base = await serve_catch_all(self._handle)
        self.url = base + "/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        call = Call(request.method, request.path_qs, dict(request.headers), await request.read())
        self.calls.append(call)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.on_call is not None:
            await self.on_call(call)
        index = min(len(self.calls) - 1, len(self.statuses) - 1)
        return web.Response(status=self.statuses[index])
