"""Edits that should not federate: `minor_edit = true` (or `publish --quiet-edits`) updates the
static files and records the change without sending an Update; an old post that was never
federated is not announced as new when it is edited (or first seen) later."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sitegen.social import publish_site, register_site
from sitegen.social.publish import load_state
from sitegen.social_cli import publish_command
from tests.social.site_world import site_world, write_post


async def outbox(world) -> list[dict]:
    rows = await world.inbox.db.fetchall(
        "SELECT body FROM outbox_activities ORDER BY created_at, rowid")
    return [json.loads(row["body"]) for row in rows]


async def test_minor_edit_updates_the_files_but_sends_no_update(tmp_path):
    async with site_world(tmp_path, posts={"a": {}}) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        write_post(world.root, "a", body="Helo, typo fixed.", extra="minor_edit = true")
        world.build()
        report = await world.call(publish_site, world.root)
        sent = await outbox(world)
        state_hash = load_state(world.root).posts[world.post_id("a")]["hash"]
        page = (world.out / "posts/a/index.html").read_text()
        # a later real edit is an Update again, compared with the quietly recorded text
        write_post(world.root, "a", body="A real change.")
        world.build()
        again = await world.call(publish_site, world.root)
    assert "typo fixed" in page  # the static files do change
    assert [a["type"] for a in sent] == ["Create"]
    assert report.sent == [] and report.planned == [f"Quiet update (not sent) {world.post_id('a')}"]
    assert state_hash != ""
    assert again.sent == [f"Update {world.post_id('a')}"]


async def test_quiet_edits_flag_records_every_edit_without_sending(tmp_path):
    async with site_world(tmp_path, posts={"a": {}, "b": {}}) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        write_post(world.root, "a", body="Edited a.")
        write_post(world.root, "b", body="Edited b.")
        world.build()
        result = await world.call(CliRunner().invoke, publish_command,
                                  [str(world.root), "--quiet-edits"])
        sent = await outbox(world)
        again = await world.call(publish_site, world.root)
    assert result.exit_code == 0, result.output
    assert [a["type"] for a in sent] == ["Create", "Create"]
    assert again.sent == [] and again.planned == []


async def test_an_old_post_never_federated_is_not_announced_as_new(tmp_path):
    posts = {"recent": {"date": "2026-01-05T00:00:00Z"}}
    async with site_world(tmp_path, posts=posts) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        # an old post imported (or first noticed) after the blog went on the fediverse
        write_post(world.root, "archive", date="2020-03-01T00:00:00Z", body="From the archive.")
        world.build()
        report = await world.call(publish_site, world.root)
        sent = await outbox(world)
        write_post(world.root, "archive", date="2020-03-01T00:00:00Z", body="Archive, edited.")
        world.build()
        edited = await world.call(publish_site, world.root)
        write_post(world.root, "fresh", date="2026-01-06T00:00:00Z", body="New.")
        world.build()
        fresh = await world.call(publish_site, world.root)
    assert [a["object"]["id"] for a in sent] == [world.post_id("recent")]
    assert report.planned == [f"Recorded, not announced (older than what was sent) "
                              f"{world.post_id('archive')}"]
    assert edited.sent == []  # an edit of a post nobody got is no Update either
    assert fresh.sent == [f"Create {world.post_id('fresh')}"]
