"""End to end through the real inbox, ``pull`` and the build: emoji reactions and threads of
replies show under the post on its HTML page."""

from __future__ import annotations

import json

import httpx

from sitegen.social import pull_site, register_site
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse


def interactions(world) -> dict:
    return json.loads((world.root / "data" / "interactions.json").read_text())


def page(world, slug: str = "first") -> str:
    return (world.out / "posts" / slug / "index.html").read_text()


async def _allow(world, remote) -> None:
    answer = await world.as_blog("POST", "/allowlist", text=f"@*@{remote.base.split('//')[1]}\n")
    assert answer.status == 200, answer.text


async def test_emoji_reactions_are_pulled_and_shown_with_their_counts(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        await _allow(world, remote)
        inbox = world.inbox.url(f"/v1/{world.mention}/inbox")
        icon = f"{remote.base}/emoji/blobcat.png"
        post = world.post_id("first")
        for name in ("bob", "carol"):
            fan = remote.actor(name)
            await fan.post(client, inbox, fan.activity("EmojiReact", post, content="🔥"))
        dana = remote.actor("dana")  # Misskey: a Like with a custom emoji
        await dana.post(client, inbox, dana.activity(
            "Like", post, content=":blobcat:", _misskey_reaction=":blobcat:",
            tag=[{"type": "Emoji", "name": ":blobcat:", "icon": {"type": "Image", "url": icon}}]))
        await world.inbox.settle()
        await world.call(pull_site, world.root, allow_private=True)
        world.build()
    assert interactions(world)["first"]["reactions"] == [
        {"emoji": "🔥", "count": 2, "icon": None}, {"emoji": ":blobcat:", "count": 1, "icon": icon}]
    html = page(world)
    assert '<span class="emoji">🔥</span> <span class="reaction-count">2</span>' in html
    assert f'src="{icon}" alt=":blobcat:"' in html
    assert "0 likes" not in html  # reactions are not likes
