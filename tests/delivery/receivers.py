"""Real HTTP servers on 127.0.0.1 that play followers' inboxes, and verify our signatures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from fedicore.httpsig import HttpRequest, parse_signature, verify_request

# behaviour(receiver, request, hit number on this path) -> (status, headers) or None for 202
Behaviour = Callable[["Receiver", web.Request, int], "tuple[int, dict[str, str]] | None"]


@dataclass
class Hit:
    path: str
    activity_id: str | None
    activity_type: str | None
    scheme: str | None
    verified: bool
    failure: str | None
    status: int


@dataclass
class Receiver:
    """One inbox host on its own port. ``behaviour`` decides each answer."""

    public_key_pem: str
    clock: Callable[[], float]
    behaviour: Behaviour | None = None
    delay: float = 0.0
    verify: bool = True
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _counts: dict[str, int] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def delivered(self, path: str | None = None) -> list[Hit]:
        return [h for h in self.hits if 200 <= h.status < 300 and (path is None or h.path == path)]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        n = self._counts.get(request.path, 0) + 1
        self._counts[request.path] = n
        scheme = failure = None
        verified = False
        if self.verify:
            req = HttpRequest("POST", str(request.url), dict(request.headers), body)
            parsed = parse_signature(req)
            if hasattr(parsed, "scheme"):
                scheme = parsed.scheme
                problem = verify_request(req, parsed, self.public_key_pem, now=self.clock())
                verified = problem is None
                failure = None if problem is None else f"{problem.reason}: {problem.detail}"
            else:
                failure = f"{parsed.reason}: {parsed.detail}"
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.behaviour(self, request, n) if self.behaviour else None
        status, headers = answer if answer else ((202, {}) if verified or not self.verify else (401, {}))
        try:
            activity = json.loads(body)
        except ValueError:
            activity = {}
        self.hits.append(Hit(request.path, activity.get("id"), activity.get("type"), scheme, verified, failure, status))
        return web.Response(status=status, headers=headers)
