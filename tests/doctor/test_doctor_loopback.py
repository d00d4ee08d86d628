"""``fedipress doctor`` end to end on 127.0.0.1: a real built site served by ``sitegen.serve``
beside the real inbox (tests/social/site_world.py), and each failure the doctor claims to
diagnose made for real: a host that sends the wrong content type, an inbox that is not there,
a skewed clock, a blocked host, a failing follower."""

from __future__ import annotations

import json
import time

from click.testing import CliRunner

from fedipress.cli import cli
from inbox.storage.followers import Follower, add_follower
from sitegen.doctor.report import render_text
from sitegen.doctor.run import Visit, diagnose
from sitegen.social import register_site
from tests.social.site_world import site_world


async def doctor(world, **options):
    return await world.call(diagnose, Visit(str(world.root), wait=10, **options))


def problems(report) -> list[str]:
    return [f"{f.area}: {f.what} -> {f.fix}" for f in report.problems]


async def test_a_healthy_blog_passes_every_check_and_the_live_round_trip(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        report = await doctor(world)
        print(render_text(report))
        assert report.exit_code == 0, problems(report)
        steps = [f.what.split(":")[0] for f in report.findings if f.area == "round trip"]
        assert steps[:5] == ["webfinger", "actor", "follow", "accept", "undo"][:5]
        assert "unfollow" in steps
        assert all(f.ms is not None for f in report.findings if f.area == "round trip"
                   and f.what.split(":")[0] in ("webfinger", "actor", "follow", "accept"))
        instance = world.inbox.url("/actor")
        assert await world.inbox.count("followers", "follower_id = ?", (instance,)) == 0


async def test_a_host_that_sends_the_wrong_content_type_is_named_with_the_host_rules_to_add(tmp_path):
    from sitegen.cli import run_build
    from sitegen.scaffold import init_site
    from tests.doctor.plain_host import plain_host
    from tests.support.server import registration_open_for, running_inbox

    root = tmp_path / "site"
    with plain_host(root / "_site") as base:
        async with running_inbox(database=str(tmp_path / "inbox.sqlite3"),
                                 **registration_open_for(base)) as inbox:
            init_site(root, base_url=base, username="alice", display_name="Alice",
                      inbox_url=inbox.base)
            run_build(root, quiet=True)
            report = await __import__("asyncio").to_thread(
                diagnose, Visit(str(root), wait=5, round_trip=False))
    print(render_text(report))
    assert report.exit_code == 1
    [actor] = [f for f in report.problems if f.what.startswith("actor:")]
    assert "served as 'application/json'" in actor.what
    assert "wrong Content-Type" in actor.fix and "_fedipress/nginx.conf" in actor.fix
    assert any(f.what.startswith("webfinger:") for f in report.problems)


async def test_an_inbox_that_is_not_there_is_named_with_how_to_start_it(tmp_path):
    from tests.support.server import free_port

    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        config = world.root / "fedipress.toml"
        gone = f"http://127.0.0.1:{free_port()}"
        config.write_text(config.read_text().replace(world.inbox.base, gone))
        world.build()
        report = await doctor(world)
    print(render_text(report))
    assert report.exit_code == 1
    [reach] = [f for f in report.problems if f.area == "inbox"]
    assert f"{gone}/v1/" in reach.what and "cannot be reached" in reach.what
    assert "fedipress inbox serve" in reach.fix
    assert any(f.area == "clock" for f in report.problems)
    [trip] = [f for f in report.findings if f.area == "round trip"]
    assert trip.ok is False and "unreachable" in trip.what


async def test_a_skewed_clock_is_measured_and_explains_the_refused_signature(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        report = await doctor(world, clock=lambda: time.time() + 7200)
    print(render_text(report))
    [clock] = [f for f in report.problems if f.area == "clock"]
    assert "7200 s ahead of the inbox's" in clock.what or "7199 s ahead" in clock.what \
        or "7201 s ahead" in clock.what
    assert "timedatectl set-ntp true" in clock.fix
    [trip] = [f for f in report.findings if f.area == "round trip"]
    assert trip.ok is False and "HTTP 401" in trip.what and "fix the clock first" in trip.fix
    assert report.exit_code == 1


async def fedipress(world, *args: str):
    def run():
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    result = await world.call(run)
    return result.exit_code, result.stdout, result.stderr


async def test_a_blocked_host_is_named_with_the_block_and_how_to_lift_it(tmp_path):
    import httpx

    from tests.support.remote import FakeFediverse

    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as http:
        await world.call(register_site, world.root)
        host = remote.base.split("://", 1)[1]
        code, out, err = await fedipress(world, "block", host, "--site", str(world.root))
        assert code == 0, err
        bob = remote.actor("bob")
        refused = await bob.post(http, world.inbox.url(f"/v1/{world.mention}/inbox"),
                                 bob.follow(f"{world.base_url}/ap/actor.json"))
        assert refused.status_code == 403  # the block is real: bob cannot follow
        code, out, _ = await fedipress(world, "doctor", str(world.root), "--host", host)
        print(out)
        assert code == 1
        assert f"anyone on {host} is blocked: actor block matched @*@*.{host}" in out
        assert "fix: it is on this blog's own block list: lift it in `fedipress desk`" in out
        code, out, _ = await fedipress(world, "doctor", str(world.root), "--peer", bob.handle, "--json")
        data = json.loads(out)
        assert code == 1 and data["healthy"] is False
        [block] = [f for f in data["findings"] if f["ok"] is False and "blocked" in f["what"]]
        assert block["what"].startswith(f"{bob.handle} is blocked")


async def test_a_failing_follower_shows_its_attempts_status_codes_and_next_retry(tmp_path):
    import httpx

    from sitegen.social import publish_site
    from tests.social.site_world import write_post
    from tests.support.remote import FakeFediverse
    from tests.support.server import eventually

    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as http:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root, mark_only=True, allow_private=True)
        bob = remote.actor("bob")
        answer = await bob.post(http, world.inbox.url(f"/v1/{world.mention}/inbox"),
                                bob.follow(f"{world.base_url}/ap/actor.json"))
        assert answer.status_code == 202
        await eventually(lambda: remote.delivered("Accept"), timeout=10, message="no Accept")
        remote.inbox_status = 500
        write_post(world.root, "second", title="Second", body="Again.")
        world.build()
        await world.call(publish_site, world.root, allow_private=True)
        await eventually(lambda: world.inbox.count("deliveries", "last_status = 500"), timeout=10,
                         message="the Create was never tried")
        code, out, _ = await fedipress(world, "doctor", str(world.root), "--peer", bob.handle)
        print(out)
    assert code == 1
    host = remote.base.split("://", 1)[1]
    assert f"{bob.handle} follows the blog since" in out
    assert f"FAIL {host} failed the last 1 deliveries (last error: HTTP 500)" in out
    assert f"FAIL Create to {bob.shared_inbox}: pending after 1 attempt, last answer HTTP 500; next retry" in out
    assert f"{host} last delivered a signed activity to the blog" in out
    assert "no block applies" in out


async def test_usage_mistakes_exit_2_with_one_line(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["doctor", str(tmp_path)])
    assert result.exit_code == 2 and "not a site folder" in result.stderr
    result = runner.invoke(cli, ["doctor", "https://blog.example", "--peer", "@a@b.example",
                                 "--host", "b.example"])
    assert result.exit_code == 2 and "not both" in result.stderr


async def test_a_server_reading_the_followers_collection_is_remembered_per_host(tmp_path):
    import httpx

    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        code, out, _ = await fedipress(world, "doctor", str(world.root), "--host", "social.example")
        assert "the inbox never saw social.example deliver to the blog or read from it" in out
        agent = "http.rb/5.1.1 (Mastodon/4.2.0; +https://{}/)"
        async with httpx.AsyncClient() as http:
            # Anyone can claim any host in a User-Agent: only hosts the blog has followers on
            # are recorded, so made-up names cost no row.
            for n in range(5):
                await http.get(world.inbox.url(f"/v1/{world.mention}/followers"),
                               headers={"User-Agent": agent.format(f"made-up-{n}.example")})
            await add_follower(world.inbox.db, Follower(world.mention, "https://social.example/users/bob",
                                                        "https://social.example/users/bob/inbox", None,
                                                        "https://social.example/f/1", 1.0))
            for _ in range(3):
                answer = await http.get(world.inbox.url(f"/v1/{world.mention}/followers"),
                                        headers={"User-Agent": agent.format("social.example")})
                assert answer.status_code == 200
        assert await world.inbox.count("host_sightings", "host LIKE 'made-up-%'") == 0
        code, out, _ = await fedipress(world, "doctor", str(world.root), "--host", "social.example")
        print(out)
        assert "social.example last read the blog's followers collection" in out
        assert "; once since" in out  # one write a minute: the other two wait in memory
        assert code == 0


async def test_a_blog_that_approves_followers_by_hand_is_told_where_follows_wait(tmp_path):
    import re

    async with site_world(tmp_path) as world:
        config = world.root / "fedipress.toml"
        config.write_text(re.sub(r"(?m)^(username = .*)$", r"\1\nmanually_approves_followers = true",
                                 config.read_text()))
        world.build()
        await world.call(register_site, world.root)
        report = await doctor(world)
        print(render_text(report))
        [accept] = [f for f in report.problems if f.area == "round trip"]
        assert accept.what.startswith("accept: the Follow waits in your queue")
        instance = world.inbox.url("/actor")
        assert await world.inbox.count("inbox_items", "author = ?", (instance,)) == 0  # cleaned up
        assert await world.inbox.count("followers", "follower_id = ?", (instance,)) == 0


async def test_a_blog_the_inbox_does_not_know_is_told_to_register(tmp_path):
    async with site_world(tmp_path) as world:
        report = await doctor(world)
    print(render_text(report))
    [reach] = [f for f in report.problems if f.area == "inbox"]
    assert "does not know" in reach.what and reach.fix.startswith("register the blog")
    [trip] = [f for f in report.findings if f.area == "round trip"]
    assert trip.ok is False and "HTTP 404" in trip.what and "fedipress register" in trip.fix


async def test_a_url_alone_gets_the_public_checks_and_says_the_round_trip_needs_the_folder(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        code, out, _ = await fedipress(world, "doctor", world.base_url, "--json")
    data = json.loads(out)
    assert code == 0 and data["healthy"] is True
    areas = {f["area"] for f in data["findings"]}
    assert {"site", "inbox", "clock"} <= areas
    [trip] = [f for f in data["findings"] if f["area"] == "round trip"]
    assert trip["ok"] is None and "give the site folder" in trip["what"]
