"""A catch-all aiohttp server on a free 127.0.0.1 port, for test peers that play other servers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web


async def serve_catch_all(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                          ) -> tuple[web.AppRunner, str]:
    """Route every method and path to ``handler``; returns the runner and ``http://127.0.0.1:PORT``."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
