"""`fedipress desk` in a real browser: Debian's chromium, headless, driven by Playwright (the
system browser; nothing downloads one). The author clicks approve and the reply becomes public;
blocks with an expiry; notes on a report; removes a follower; all at 390 px wide.

Set DESK_SCREENSHOTS=docs to refresh the screenshots in docs/social-loop.md."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from sitegen.config import load_site
from sitegen.desk.api import Desk
from sitegen.desk.server import DeskApp, DeskServer
from sitegen.social import register_site
from sitegen.social.client import InboxClient
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                                reason="Debian chromium not installed (scripts/test installs it)")


@contextlib.contextmanager
def running_desk(root: Path):
    client = InboxClient(load_site(root))
    server = DeskServer(DeskApp(Desk(client)), 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        client.close()


@contextlib.asynccontextmanager
async def browser_page():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=FLAGS)
        try:
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            yield await context.new_page()
        finally:
            await browser.close()


async def shot(page, name: str) -> None:
    folder = os.environ.get("DESK_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / f"desk-{name}.png"), full_page=True)


async def go(page, control) -> None:
    """Click a link or a form's button and wait for the page it leads to."""
    async with page.expect_navigation():
        await control.click()


async def fits_390(page) -> bool:
    """Nothing wider than a 390 px phone (measured once the stylesheet has loaded)."""
    await page.wait_for_load_state("load")
    return await page.evaluate("document.documentElement.scrollWidth <= 390")


@needs_chromium
async def test_author_approves_in_the_browser_and_the_reply_becomes_public(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        inbox = world.inbox.url(f"/v1/{world.mention}/inbox")
        bob, troll, dave = remote.actor("bob"), remote.actor("troll"), remote.actor("dave")
        note = bob.note("<p>This is <em>exactly</em> what I needed, thanks!</p>",
                        in_reply_to=world.post_id("first"))
        for actor, activity in [
                (bob, bob.create(note)),
                (troll, troll.create(troll.note("<p>buy cheap pills</p>",
                                                in_reply_to=world.post_id("first")))),
                (bob, bob.activity("Like", world.post_id("first"))),
                (dave, dave.follow(load_site(world.root).actor_id)),
                (dave, dave.activity("Flag", [world.post_id("first")], content="Looks like spam"))]:
            answer = await actor.post(client, inbox, activity)
            assert answer.status_code == 202, answer.text
        await world.inbox.settle()
        public = world.inbox.url(f"/v1/{world.mention}/inbox/replies/"
                                 + quote(world.post_id("first"), safe=""))
        assert (await client.get(public)).json()["totalItems"] == 0

        with running_desk(world.root) as desk:
            async with browser_page() as page:
                await page.goto(desk.url)
                assert (await page.title()).startswith("(3) Desk")  # two replies, one report
                assert await page.get_by_text("exactly what I needed").is_visible()
                assert await fits_390(page)
                await shot(page, "queue")

                await go(page, page.get_by_role("button", name=f"Approve the reply from {bob.handle}"))
                assert "Approved the reply from" in await page.get_by_role("status").inner_text()
                assert await page.get_by_text("exactly what I needed").count() == 0
                replies = (await client.get(public)).json()
                assert replies["totalItems"] == 1 and replies["orderedItems"][0]["id"] == note["id"]

                spam = page.locator("li.item", has_text="buy cheap pills")
                await spam.get_by_label(f"Block {troll.handle}").select_option("7d")
                await go(page, spam.get_by_role("button", name="Block"))
                assert "for a week" in await page.get_by_role("status").inner_text()
                assert await page.get_by_text("buy cheap pills").count() == 0

                await go(page, page.get_by_role("link", name="Replies"))
                assert await page.get_by_text("exactly what I needed").is_visible()
                await shot(page, "replies")

                await go(page, page.get_by_role("link", name="Reports"))
                await page.get_by_label(f"Note on {dave.handle}").fill("Reported a harmless post")
                await go(page, page.get_by_role("button", name="Save note"))
                assert await page.get_by_text("Reported a harmless post").is_visible()
                assert await fits_390(page)
                await shot(page, "reports")

                await go(page, page.get_by_role("link", name="Followers"))
                await go(page, page.get_by_role("button", name=f"Remove {dave.handle} from your followers"))
                assert "Removed" in await page.get_by_role("status").inner_text()

                await go(page, page.get_by_role("link", name="Audit log"))
                log = await page.locator("main").inner_text()
                assert "approve" in log and f"block {troll.handle}" in log and "until" in log
                assert await fits_390(page)
                await shot(page, "audit")


async def test_forms_from_elsewhere_are_refused(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        with running_desk(world.root) as desk:
            async with httpx.AsyncClient(timeout=10) as client:
                page = await client.get(desk.url)
                assert page.status_code == 200
                assert page.headers["x-frame-options"] == "DENY"
                assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
                form = {"id": "x", "token": "forged"}
                forged = await client.post(desk.url + "approve", data=form)
                assert forged.status_code == 403 and "forged" in forged.text
                token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
                cross = await client.post(desk.url + "approve", data={**form, "token": token},
                                          headers={"Origin": "https://evil.example"})
                assert cross.status_code == 403
                rebound = await client.get(desk.url, headers={"Host": "evil.example"})
                assert rebound.status_code == 421
                ok = await client.post(desk.url + "approve", data={**form, "token": token})
                assert ok.status_code == 303
                after = await client.get(desk.url)
                assert "Not done: no queued item x" in after.text


def test_desk_command_serves_on_loopback_and_says_when_the_inbox_is_down(tmp_path):
    import subprocess
    import sys

    from sitegen.cli import run_build
    from sitegen.scaffold import init_site
    from tests.support.server import free_port

    root = tmp_path / "site"
    init_site(root, base_url="https://blog.example", username="alice", display_name="Alice",
              inbox_url=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    run_build(root, quiet=True)
    desk = subprocess.Popen([sys.executable, "-u", "-m", "fedipress", "desk", str(root), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        line = desk.stdout.readline()
        assert line.startswith("Desk for @alice@blog.example at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        page = httpx.get(url, timeout=10)
        assert page.status_code == 502 and "The inbox did not answer" in page.text
        assert "unreachable" in page.text
    finally:
        desk.terminate()
        desk.wait(timeout=10)
