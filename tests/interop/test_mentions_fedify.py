"""A mention of a Fedify account that does not follow the blog: publish resolves it through
Fedify's own WebFinger, and the Create that Fedify verifies names its actor id exactly."""

from __future__ import annotations

import asyncio

import pytest

from sitegen.social import publish_site, register_site
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.social.site_world import site_world

pytestmark = pytest.mark.interop


async def test_fedify_receives_a_mention_with_its_actor_id_without_following(tmp_path, peer):  # noqa: F811
    handle = f"@peer@{peer.url.split('://', 1)[1]}"
    async with site_world(tmp_path, posts={"hi": {"body": f"Hello {handle}!"}}) as world:
        await world.call(register_site, world.root)
        report = await world.call(publish_site, world.root, allow_private=True)
        assert report.unresolved == [] and report.sent == [f"Create {world.post_id('hi')}"]
        [create] = await asyncio.to_thread(peer.wait_for, "Create")
    raw = create["raw"]
    mentions = [t for t in raw["object"]["tag"] if t["type"] == "Mention"]
    assert mentions == [{"type": "Mention", "href": peer.actor_url, "name": handle}]
    assert peer.actor_url in raw["cc"] and peer.actor_url in raw["object"]["cc"]
    assert raw["id"] == f"{world.post_id('hi')}#create"
