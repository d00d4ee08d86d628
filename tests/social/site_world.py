"""A real blog beside a real inbox on 127.0.0.1: a site folder built by the publisher, served by
``sitegen.serve``, and the inbox app (tests/support/server.py; ``create_app`` mounts the hooks
routes itself).

Site-side calls are synchronous (httpx) while the inbox runs in the test's event loop, so tests
run them with ``await world.call(fn, ...)`` (a thread), never directly.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.cli import run_build
from sitegen.config import load_site
from sitegen.scaffold import init_site
from sitegen.serve import make_server
from sitegen.social.client import InboxClient
from tests.support.server import RunningInbox, registration_open_for, running_inbox

POST = """+++
title = "{title}"
date = {date}
tags = [{tags}]
{extra}
+++

{body}
"""


def write_post(root: Path, slug: str, *, title: str = "A post", body: str = "Hello.",
               date: str = "2026-01-02T10:00:00Z", tags: str = '"notes"', extra: str = "") -> Path:
    path = root / "content" / "posts" / f"{slug}.md"
    path.write_text(POST.format(title=title, date=date, tags=tags, extra=extra, body=body),
                    "utf-8")
    return path


@dataclass
class SiteWorld:
    root: Path
    out: Path
    base_url: str
    inbox: RunningInbox

    @property
    def mention(self) -> str:
        return load_site(self.root).handle

    def post_id(self, slug: str) -> str:
        return f"{self.base_url}/ap/posts/{slug}.json"

    def build(self) -> None:
        run_build(self.root, quiet=True)

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def as_blog(self, method: str, suffix: str, body: Any = None, *,
                      text: str | None = None) -> Any:
        """A management request signed by the blog's key (approve, reject, hooks ...)."""
        def run() -> Any:
            with InboxClient(load_site(self.root)) as client:
                return client.request(method, client.actor_path(suffix), body, text=text)
        return await self.call(run)

    async def approve(self, activity_id: str) -> None:
        token = base64.urlsafe_b64encode(activity_id.encode()).decode().rstrip("=")
        answer = await self.as_blog("POST", f"/inbox/{token}")
        assert answer.status == 200, answer.text


@contextlib.asynccontextmanager
async def site_world(tmp_path: Path, *, posts: dict[str, dict] | None = None,
                     **inbox_settings: Any) -> AsyncIterator[SiteWorld]:
    root = tmp_path / "site"
    out = root / "_site"
    out.mkdir(parents=True)
    server = make_server(out, "127.0.0.1", 0, quiet=True)
    base_url = server.url.rstrip("/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        async with running_inbox(database=str(tmp_path / "inbox.sqlite3"),
                                 **{**registration_open_for(base_url), **inbox_settings}) as inbox:
            init_site(root, base_url=base_url, username="alice", display_name="Alice",
                      inbox_url=inbox.base)
            (root / "content" / "posts" / "hello-fediverse.md").unlink()
            for slug, options in (posts or {"first": {}}).items():
                write_post(root, slug, **options)
            world = SiteWorld(root, out, base_url, inbox)
            world.build()
            yield world
    finally:
        server.shutdown()
        server.server_close()
