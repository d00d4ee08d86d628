"""The whole loop on 127.0.0.1 with the pinned Fedify peer as the rest of the fediverse.

Fedify follows the blog; the blog publishes; Fedify receives and verifies the Create; Fedify
replies; the `reply` webhook reaches a receiver that checks the HMAC and runs pull + build; the
reply is on the post's HTML page, sanitised. Fedify deletes the reply; the `delete` hook runs
the loop again; it is gone. The post is edited and published; Fedify receives the Update.

The inbox core calls `fire(...)` and runs the webhook worker itself (`create_app` mounts the
hooks routes and starts the worker): nothing in this test stands in for it.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from inbox.webhooks import verify_signature
from sitegen.social import publish_site, pull_site, register_site
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.social.hook_receiver import Call, HookReceiver
from tests.social.site_world import site_world, write_post

pytestmark = pytest.mark.interop
HOSTILE_REPLY = ('<p>Lovely post <script>alert("x")</script>'
                 '<a href="javascript:alert(1)" onclick="steal()">me</a></p>')


class LoopReceiver:
    """The author's CI, in small: verifies each call's HMAC, then runs pull + build."""

    def __init__(self, world, secrets: dict[str, str]) -> None:
        self.world = world
        self.secrets = secrets
        self.runs: list[str] = []
        self.refused = 0
        self.ran = asyncio.Event()

    async def __call__(self, call: Call) -> None:
        event = call.headers.get("X-Fedipress-Event", "")
        if not verify_signature(self.secrets.get(event, ""), call.body,
                                call.headers.get("X-Fedipress-Signature")):
            self.refused += 1
            raise web.HTTPUnauthorized()
        await self.world.call(pull_site, self.world.root, allow_private=True)
        await self.world.call(self.world.build)
        self.runs.append(json.loads(call.body)["event"])
        self.ran.set()

    async def next_run(self, timeout: float = 20) -> str:
        await asyncio.wait_for(self.ran.wait(), timeout)
        self.ran.clear()
        return self.runs[-1]


async def peer_call(fn, *args):
    return await asyncio.to_thread(fn, *args)


async def run_loop(tmp_path, fedify, *, hook_wait: float = 20) -> None:
    async with site_world(tmp_path) as world, HookReceiver() as receiver:
        page = world.out / "posts" / "first" / "index.html"
        actor_url = f"{world.base_url}/ap/actor.json"
        print(await world.call(register_site, world.root))
        peer_host = fedify.url.split("//", 1)[1]
        allow = await world.as_blog("POST", "/allowlist", text=f"@*@{peer_host}\n")
        assert allow.status == 200, allow.text
        secrets = {}
        for event in ("reply", "delete"):
            put = await world.as_blog("PUT", f"/hooks/{event}", {"url": receiver.url})
            assert put.status == 200, put.text
            secrets[event] = put.data["secret"]
        loop = LoopReceiver(world, secrets)
        receiver.on_call = loop
        # 1. Fedify follows the blog and gets its Accept.
        await peer_call(fedify.follow, actor_url)
        await peer_call(fedify.wait_for, "Accept")
        # 2. The blog publishes; Fedify verified the signed Create.
        report = await world.call(publish_site, world.root)
        assert report.failure is None and report.sent == [f"Create {world.post_id('first')}"]
        [create] = await peer_call(fedify.wait_for, "Create")
        assert create["object"]["id"] == world.post_id("first")
        # 3. Fedify replies: the reply hook runs pull + build; the page shows it, sanitised.
        sent = await peer_call(fedify.reply, world.post_id("first"), HOSTILE_REPLY)
        note_id = sent["activity"]["object"]["id"]
        await world.inbox.settle(timeout=15)
        assert await loop.next_run(hook_wait) == "reply"
        html = page.read_text()
        assert "Lovely post" in html
        assert "<script>alert" not in html and "javascript:" not in html
        assert "onclick" not in html
        # 4. Fedify deletes the reply: the delete hook runs the loop; the reply is gone.
        await peer_call(fedify.delete, note_id)
        await world.inbox.settle(timeout=15)
        assert await loop.next_run(hook_wait) == "delete"
        assert "Lovely post" not in page.read_text()
        # 5. The author edits the post; publish sends an Update that Fedify verifies.
        write_post(world.root, "first", title="A post", body="Edited for clarity.")
        world.build()
        edit = await world.call(publish_site, world.root)
        assert edit.sent == [f"Update {world.post_id('first')}"]
        [update] = await peer_call(fedify.wait_for, "Update")
        assert update["object"]["id"] == world.post_id("first")
        assert "Edited for clarity." in update["object"]["content"]
        assert loop.refused == 0


async def test_full_loop_driven_by_the_inbox_core(tmp_path, peer):
    await run_loop(tmp_path, peer, hook_wait=8)
