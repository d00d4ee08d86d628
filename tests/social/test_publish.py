"""register and publish against the real inbox: each change sent once, resumable, drafts never."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fedicore.errors import FedipressError
from sitegen.social import publish_site, register_site
from sitegen.social.publish import load_state
from sitegen.social_cli import publish_command, register_command
from tests.social.site_world import site_world, write_post
from tests.support.server import eventually


async def outbox(world) -> list[dict]:
    rows = await world.inbox.db.fetchall(
        "SELECT body FROM outbox_activities ORDER BY created_at, rowid")
    return [json.loads(row["body"]) for row in rows]


async def test_register_is_idempotent_and_says_so(tmp_path):
    async with site_world(tmp_path) as world:
        first = await world.call(register_site, world.root)
        again = await world.call(register_site, world.root)
        row = await world.inbox.db.fetchone("SELECT * FROM actors")
    assert first == f"{world.mention} registered with {world.inbox.base}"
    assert again.endswith("(unchanged)")
    assert row["actor_url"] == f"{world.base_url}/ap/actor.json"
    assert row["public_key_id"] == f"{world.base_url}/ap/actor.json#main-key"


async def test_announce_in_the_site_config_asks_the_inbox_to_announce_the_blog(tmp_path):
    async with site_world(tmp_path, announcements=True, announcements_review=True) as world:
        await world.call(register_site, world.root)
        assert (await world.inbox.db.fetchone("SELECT announce FROM actors"))["announce"] == 0
        config = world.root / "fedipress.toml"
        config.write_text(config.read_text() + "\nannounce = true\n")
        changed = await world.call(register_site, world.root)
        again = await world.call(register_site, world.root)
        row = await world.inbox.db.fetchone("SELECT announce FROM actors WHERE mention = ?", (world.mention,))
        queued = await world.inbox.db.fetchall("SELECT blog, kind, state FROM announcements")
    assert changed.endswith("updated with " + world.inbox.base) and again.endswith("(unchanged)")
    assert row["announce"] == 1
    assert [tuple(r) for r in queued] == [(world.mention, "blog", "waiting")]


async def test_register_when_the_site_is_offline_is_one_line_with_a_hint(tmp_path):
    async with site_world(tmp_path) as world:
        config = world.root / "fedipress.toml"
        config.write_text(config.read_text().replace(world.base_url, "http://127.0.0.1:9"))
        with pytest.raises(FedipressError) as caught:
            await world.call(register_site, world.root)
    message = str(caught.value)
    assert "key_unavailable" in message and "online" in message and "\n" not in message


async def test_first_publish_sends_create_for_each_live_post_never_drafts_or_future(tmp_path):
    posts = {"old": {"date": "2026-01-01T00:00:00Z"}, "new": {"date": "2026-01-03T00:00:00Z"},
             "draft": {"extra": "draft = true"}, "later": {"date": "2099-01-01T00:00:00Z"}}
    async with site_world(tmp_path, posts=posts) as world:
        await world.call(register_site, world.root)
        report = await world.call(publish_site, world.root)
        sent = await outbox(world)
    assert report.failure is None
    assert [a["type"] for a in sent] == ["Create", "Create"]
    assert [a["object"]["id"] for a in sent] == [world.post_id("old"), world.post_id("new")]
    assert set(load_state(world.root).posts) == {world.post_id("old"), world.post_id("new")}


async def test_second_publish_with_nothing_changed_sends_nothing(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        again = await world.call(publish_site, world.root)
        assert again.sent == [] and again.planned == []
        assert len(await outbox(world)) == 1


async def test_edit_sends_update_and_removal_sends_delete_each_once(tmp_path):
    async with site_world(tmp_path, posts={"a": {}, "b": {}}) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        write_post(world.root, "a", title="A post, edited", body="Better words.", tags='"x"')
        (world.root / "content" / "posts" / "b.md").unlink()
        world.build()
        report = await world.call(publish_site, world.root)
        assert report.sent == [f"Update {world.post_id('a')}", f"Delete {world.post_id('b')}"]
        assert (await world.call(publish_site, world.root)).sent == []
        sent = await outbox(world)
    update, delete = sent[-2:]
    assert update["type"] == "Update" and "A post, edited" in update["object"]["content"]
    assert update["object"]["updated"]  # Mastodon shows an edit only with a newer `updated`
    assert delete["object"] == {"id": world.post_id("b"), "type": "Tombstone"}
    assert world.post_id("b") not in load_state(world.root).posts


async def test_content_warning_and_tag_changes_are_updates(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        write_post(world.root, "first", extra='content_warning = "spoilers"')
        world.build()
        report = await world.call(publish_site, world.root)
    assert report.sent == [f"Update {world.post_id('first')}"]


async def test_profile_change_sends_one_actor_update(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        config = world.root / "fedipress.toml"
        config.write_text(config.read_text().replace('display_name = "Alice"',
                                                     'display_name = "Alice Renamed"'))
        world.build()
        report = await world.call(publish_site, world.root)
        sent = await outbox(world)
    assert report.sent == [f"Update (actor) {world.base_url}/ap/actor.json"]
    assert sent[-1]["object"]["name"] == "Alice Renamed"


async def test_publish_resumes_after_a_failure_without_sending_twice(tmp_path):
    posts = {"one": {"date": "2026-01-01T00:00:00Z"}, "two": {"date": "2026-01-02T00:00:00Z"},
             "three": {"date": "2026-01-03T00:00:00Z"}}
    async with site_world(tmp_path, posts=posts) as world:
        await world.call(register_site, world.root)
        # The inbox refuses the second Create: break its document after the build.
        doc_path = world.out / "ap" / "posts" / "two.json"
        good = doc_path.read_text()
        broken = json.loads(good)
        broken["attributedTo"] = "http://127.0.0.1:9/someone-else"
        doc_path.write_text(json.dumps(broken))
        first = await world.call(publish_site, world.root)
        assert first.sent == [f"Create {world.post_id('one')}"]
        assert "HTTP 422" in (first.failure or "")
        doc_path.write_text(good)
        second = await world.call(publish_site, world.root)
        assert second.sent == [f"Create {world.post_id('two')}", f"Create {world.post_id('three')}"]
        assert [a["object"]["id"] for a in await outbox(world)] == [
            world.post_id("one"), world.post_id("two"), world.post_id("three")]


async def test_lost_state_after_a_send_is_not_delivered_twice(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        (world.root / ".fedipress" / "published.json").unlink()
        await world.call(publish_site, world.root)
        jobs = await world.inbox.db.fetchall("SELECT DISTINCT activity_id FROM outbox_activities")
    assert len(jobs) == 1  # same derived id: the inbox knew it already


async def test_dry_run_prints_and_sends_nothing(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        result = await world.call(CliRunner().invoke, publish_command,
                                  [str(world.root), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert f"would send Create {world.post_id('first')}" in result.output
        assert await outbox(world) == []
        assert not (world.root / ".fedipress" / "published.json").exists()


async def test_state_file_holds_no_secret(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
    text = (world.root / ".fedipress" / "published.json").read_text()
    assert "PRIVATE KEY" not in text and "BEGIN" not in text
    assert json.loads(text)["posts"][world.post_id("first")]["slug"] == "first"


async def test_mark_published_records_without_sending(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        result = await world.call(CliRunner().invoke, publish_command,
                                  [str(world.root), "--mark-published"])
        assert result.exit_code == 0 and "nothing sent" in result.output
        assert await outbox(world) == []
        assert (await world.call(publish_site, world.root)).sent == []


def test_cli_without_inbox_url_is_a_config_error_exit_2(tmp_path):
    from sitegen.scaffold import init_site

    init_site(tmp_path, base_url="http://127.0.0.1:1", username="a", display_name="A",
              inbox_url="http://127.0.0.1:1")
    config = tmp_path / "fedipress.toml"
    config.write_text("\n".join(line for line in config.read_text().splitlines()
                                if not line.startswith("inbox_url")))
    result = CliRunner().invoke(register_command, [str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "inbox_url" in result.output


def test_cli_publish_before_build_is_one_line_exit_1(tmp_path):
    from sitegen.scaffold import init_site

    init_site(tmp_path, base_url="http://127.0.0.1:1", username="a", display_name="A",
              inbox_url="http://127.0.0.1:1")
    result = CliRunner().invoke(publish_command, [str(tmp_path)])
    assert result.exit_code == 1 and "fedipress build" in result.output
    assert "Traceback" not in result.output


async def test_the_delivered_create_has_the_id_the_static_outbox_serves(tmp_path):
    """One activity, one id: what followers' servers receive is what ap/outbox/ lists."""
    from tests.support.remote import FakeFediverse

    async with FakeFediverse() as remote, site_world(tmp_path) as world:
        follower = remote.actor("bob")
        await world.inbox.db.execute(
            "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, created_at)"
            " VALUES (?, ?, ?, ?, 0)", (world.mention, follower.id, follower.inbox, follower.shared_inbox))
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        await eventually(lambda: remote.delivered("Create"), timeout=10)
        outbox_page = json.loads((world.out / "ap" / "outbox" / "page-1.json").read_text("utf-8"))
    [delivered] = remote.delivered("Create")
    [listed] = outbox_page["orderedItems"]
    assert delivered["id"] == listed["id"] == f"{world.post_id('first')}#create"
    assert delivered["object"]["id"] == listed["object"]["id"]


async def test_each_edit_is_an_update_with_its_own_id_and_a_later_updated(tmp_path):
    """Editing back to an earlier text is a new edit: a repeated id would be dropped as a
    duplicate, and servers ignore an Update whose `updated` did not move forward."""
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        for body in ("Second words.", "Hello.", "Second words."):
            write_post(world.root, "first", body=body, extra='updated = 2026-01-03T00:00:00Z')
            world.build()
            report = await world.call(publish_site, world.root)
            assert report.sent == [f"Update {world.post_id('first')}"], report
        updates = [a for a in await outbox(world) if a["type"] == "Update"]
    assert len({u["id"] for u in updates}) == 3
    assert all(u["id"].startswith(f"{world.post_id('first')}#update/") for u in updates)
    times = [u["object"]["updated"] for u in updates]
    assert times[0] == "2026-01-03T00:00:00Z" and times == sorted(set(times))


async def test_a_profile_changed_back_is_sent_again_under_a_new_id(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        config = world.root / "fedipress.toml"
        original = config.read_text()
        renamed = original.replace('display_name = "Alice"', 'display_name = "Al"')
        for text in (renamed, original, renamed):
            config.write_text(text)
            world.build()
            report = await world.call(publish_site, world.root)
            assert report.sent == [f"Update (actor) {world.base_url}/ap/actor.json"]
        updates = [a for a in await outbox(world) if a["type"] == "Update"]
    assert [u["object"]["name"] for u in updates] == ["Al", "Alice", "Al"]
    assert len({u["id"] for u in updates}) == 3
