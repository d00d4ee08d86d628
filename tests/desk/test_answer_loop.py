"""Issue 15's "done": with Fedipress commands only, the author sees a reply from the Fedify peer
arrive, approves it, answers it from the blog, the peer receives the answer in its thread, and
the post page shows the thread."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from click.testing import CliRunner

from fedipress.cli import cli
from sitegen.config import load_site
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.social.site_world import site_world

pytestmark = pytest.mark.interop


async def fedipress(world, *args: str) -> str:
    result = await world.call(CliRunner().invoke, cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


async def arrived(peer, kind: str, wanted) -> None:
    """Wait (bounded by the number of polls, not the clock) for an activity the peer got."""
    for _ in range(150):
        if any(wanted(a) for a in await asyncio.to_thread(peer.received, kind)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no matching {kind}: {await asyncio.to_thread(peer.received, kind)}")


async def test_author_approves_a_reply_answers_it_and_the_peer_gets_the_answer(tmp_path, peer):
    async with site_world(tmp_path) as world:
        site = str(world.root)
        await fedipress(world, "register", site)
        await asyncio.to_thread(peer.follow, load_site(world.root).actor_id)
        await asyncio.to_thread(peer.wait_for, "Accept")
        await fedipress(world, "publish", site)
        await asyncio.to_thread(peer.wait_for, "Create")
        sent = await asyncio.to_thread(peer.reply, world.post_id("first"), "<p>How did you do it?</p>")
        note_id = sent["activity"]["object"]["id"]
        await world.inbox.settle(timeout=15)

        queue = await fedipress(world, "queue", site)
        assert "How did you do it?" in queue
        short = queue.split()[0]
        assert "approved" in await fedipress(world, "approve", short, "--site", site)
        await fedipress(world, "pull", site, "--allow-private")

        wrote = await fedipress(world, "reply", short, "--site", site)
        path = world.root / "content" / "posts" / f"re-{short}.md"
        assert str(path) in wrote
        text = path.read_text()
        assert f'in_reply_to = "{note_id}"' in text
        path.write_text(text + "With patience, and a static site.\n")
        await fedipress(world, "build", site)
        await fedipress(world, "publish", site)
        creates = await asyncio.to_thread(peer.wait_for, "Create", count=2)
        answer = creates[-1]["object"]
        assert answer["inReplyTo"] == note_id and "With patience" in answer["content"]
        # what was sent (the peer records only id, type, content, inReplyTo)
        sent_doc = json.loads((world.out / "ap" / "posts" / f"re-{short}.json").read_text())
        peer_actor = sent["activity"]["actor"]
        assert peer_actor in sent_doc["cc"]
        assert any(t["type"] == "Mention" and t["href"] == peer_actor for t in sent_doc["tag"])

        await fedipress(world, "pull", site, "--allow-private")
        await fedipress(world, "build", site)
        page = (world.out / "posts" / "first" / "index.html").read_text()
        index = (world.out / "index.html").read_text()

        # edits and deletes of the answer federate like a post's
        path.write_text(path.read_text().replace("With patience", "With much patience"))
        await fedipress(world, "build", site)
        await fedipress(world, "publish", site)
        await arrived(peer, "Update", lambda u: u["object"]["id"] == sent_doc["id"]
                      and "With much patience" in u["object"]["content"])
        path.unlink()
        await fedipress(world, "build", site)
        await fedipress(world, "publish", site)
        await arrived(peer, "Delete", lambda d: sent_doc["id"] in json.dumps(d))
    assert "How did you do it?" in page and "With patience" in page
    assert page.index("How did you do it?") < page.index("With patience")
    assert f"/posts/re-{short}/" not in index
    nested = re.search(r'How did you do it\?.*?</article>\s*<ol class="replies">.*?With patience',
                       page, re.S)
    assert nested, "the answer is shown one level under the reply"
