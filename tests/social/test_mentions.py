"""Mentions reach the person: publish resolves @user@domain over WebFinger, the Create carries
the exact actor id in the Mention href and in cc, and the inbox delivers to the mentioned
actor even when they do not follow the blog. The remote plays a deployed server: its actor id
(`/users/bob`) is not the guessed `/@bob`, and its profile page is a third URL."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from click.testing import CliRunner

from fedicore.vocab import ACTIVITY_JSON
from sitegen.social import publish_site, register_site
from sitegen.social_cli import publish_command
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse
from tests.support.server import eventually


class FingeredFediverse(FakeFediverse):
    """The fake server, also answering WebFinger for its actors (exact `acct:` match only)."""

    def __init__(self) -> None:
        super().__init__()
        self.fingered: list[str] = []

    @property
    def host(self) -> str:
        return self.base.split("://", 1)[1]

    def profile(self, name: str) -> str:
        return f"{self.base}/profile/{name}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path != "/.well-known/webfinger":
            return await super()._handle(request)
        resource = request.query.get("resource", "")
        self.fingered.append(resource)
        for actor in self.actors.values():
            if resource == f"acct:{actor.name}@{self.host}":
                jrd: dict[str, Any] = {"subject": resource, "links": [
                    {"rel": "self", "type": ACTIVITY_JSON, "href": actor.id},
                    {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                     "href": self.profile(actor.name)}]}
                return web.Response(body=json.dumps(jrd).encode(),
                                    headers={"Content-Type": "application/jrd+json"})
        return web.Response(status=404, text="no such account")


def mention_tags(activity: dict) -> list[dict]:
    return [t for t in activity["object"]["tag"] if t["type"] == "Mention"]


async def test_a_mentioned_non_follower_gets_the_create_with_their_exact_actor_id(tmp_path):
    async with FingeredFediverse() as remote:
        bob = remote.actor("bob")
        bob.extra["url"] = remote.profile("bob")
        assert bob.id != f"{remote.base}/@bob"  # what the build used to guess
        posts = {"hi": {"body": f"Thanks {bob.handle} for the tip."}}
        async with site_world(tmp_path, posts=posts) as world:
            await world.call(register_site, world.root)
            lines: list[str] = []
            report = await world.call(publish_site, world.root, allow_private=True,
                                      echo=lines.append)
            assert report.sent == [f"Create {world.post_id('hi')}"] and report.unresolved == []
            await eventually(lambda: remote.delivered("Create"), timeout=10,
                             message="the mentioned non-follower got no Create")
            page = (world.out / "posts" / "hi" / "index.html").read_text("utf-8")
            served = json.loads((world.out / "ap" / "posts" / "hi.json").read_text("utf-8"))
    [create] = remote.delivered("Create")
    assert mention_tags(create) == [{"type": "Mention", "href": bob.id, "name": bob.handle}]
    assert bob.id in create["cc"] and bob.id in create["object"]["cc"]
    assert [r.path for r in remote.deliveries] == ["/inbox"]  # bob's shared inbox, once
    # the inbox read bob's actor document signed as the blog (authorized-fetch servers 401)
    assert [r.path for r in remote.fetches if "signature" in {h.lower() for h in r.headers}] \
        == ["/users/bob"]
    assert f'href="{remote.profile("bob")}"' in page  # a reader lands on the profile page
    assert served["tag"] == create["object"]["tag"]  # the output was built again with it
    assert f"resolved {bob.handle}: {bob.id}" in lines
    assert json.loads((world.root / "data" / "mentions.json").read_text())[bob.handle.lower()][
        "id"] == bob.id


async def test_a_mention_that_cannot_be_resolved_is_named_in_publish_output(tmp_path):
    async with FingeredFediverse() as remote:
        handle = f"@nobody@{remote.host}"
        async with site_world(tmp_path, posts={"hi": {"body": f"Hello {handle}."}}) as world:
            await world.call(register_site, world.root)
            result = await world.call(CliRunner().invoke, publish_command,
                                      [str(world.root), "--allow-private"])
            served = json.loads((world.out / "ap" / "posts" / "hi.json").read_text("utf-8"))
    assert result.exit_code == 0, result.output
    assert f"could not resolve {handle}: WebFinger answered HTTP 404" in result.output
    assert f"1 mention(s) not resolved, nobody notified: {handle}" in result.output
    assert "published: 1 sent" in result.output  # the post goes out all the same
    assert [t for t in served["tag"] if t["type"] == "Mention"] == []
    assert remote.deliveries == []


async def test_webfinger_never_reaches_a_loopback_host_without_the_switch(tmp_path):
    """The SSRF guard: only --allow-private (tests, local development) lets it through."""
    async with FingeredFediverse() as remote:
        bob = remote.actor("bob")
        async with site_world(tmp_path, posts={"hi": {"body": f"Hi {bob.handle}."}}) as world:
            await world.call(register_site, world.root)
            lines: list[str] = []
            report = await world.call(publish_site, world.root, echo=lines.append)
    assert report.unresolved == [bob.handle]
    assert any("is not a public address (refused)" in line for line in lines)
    assert remote.fingered == [] and remote.received == []


async def test_a_dry_run_resolves_nothing(tmp_path):
    async with FingeredFediverse() as remote:
        bob = remote.actor("bob")
        async with site_world(tmp_path, posts={"hi": {"body": f"Hi {bob.handle}."}}) as world:
            await world.call(publish_site, world.root, dry_run=True, allow_private=True)
    assert remote.fingered == []
    assert not (world.root / "data" / "mentions.json").exists()


class Remember(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_the_inbox_logs_a_mentioned_actor_it_cannot_deliver_to(tmp_path):
    """WebFinger names an actor whose document is gone (410): the post still goes out, and
    the inbox says whom it skipped instead of dropping them silently."""
    async with FingeredFediverse() as remote:
        ghost = remote.actor("ghost")
        remote.serve("/users/ghost", {"error": "gone"}, status=410)
        posts = {"hi": {"body": f"Hi {ghost.handle}."}}
        async with site_world(tmp_path, posts=posts) as world:
            remembered = Remember()
            logging.getLogger("fedipress.delivery").addHandler(remembered)
            try:
                await world.call(register_site, world.root)
                report = await world.call(publish_site, world.root, allow_private=True)
            finally:
                logging.getLogger("fedipress.delivery").removeHandler(remembered)
    assert report.sent == [f"Create {world.post_id('hi')}"]
    assert [line for line in remembered.lines if ghost.id in line] == [
        f"no inbox found for {ghost.id}: Create {world.post_id('hi')}#create not delivered there"]
    assert remote.deliveries == []


async def test_a_deleted_post_reaches_a_server_of_three_followers_once_like_its_create(tmp_path):
    """The deployed case: three accounts of one server follow the blog (each gets its Accept
    and backfill at its own inbox), the post's Create went to the shared inbox once, and so
    must its Delete."""
    import httpx

    async with FingeredFediverse() as remote, site_world(tmp_path) as world, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        await world.call(publish_site, world.root)
        for name in ("ann", "ben", "cat"):
            fan = remote.actor(name)
            answer = await fan.post(client, world.inbox.url(f"/v1/{world.mention}/inbox"),
                                    fan.follow(f"{world.base_url}/ap/actor.json"))
            assert answer.status_code == 202, answer.text
        await world.inbox.settle()
        await eventually(lambda: len(remote.delivered("Accept")) == 3, timeout=10)
        await eventually(lambda: len(remote.delivered("Create")) == 3, timeout=10)  # backfills
        personal = {r.path for r in remote.deliveries}
        assert personal == {"/users/ann/inbox", "/users/ben/inbox", "/users/cat/inbox"}
        (world.root / "content" / "posts" / "first.md").unlink()
        world.build()
        report = await world.call(publish_site, world.root)
        assert report.sent == [f"Delete {world.post_id('first')}"]
        async def all_made() -> bool:
            return await world.inbox.count("deliveries", "state = 'pending'") == 0

        await eventually(all_made, timeout=10)  # every delivery of the Delete has been made
        await eventually(lambda: remote.delivered("Delete"), timeout=10)
        rows = await world.inbox.count("deliveries d JOIN delivery_jobs j ON d.job_id = j.id",
                                       "j.type = 'Delete'")
    deletes = [r.path for r in remote.deliveries if r.json().get("type") == "Delete"]
    assert deletes == ["/inbox"] and rows == 1
