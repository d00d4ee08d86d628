"""pull against the real inbox: approved replies (sanitised again, threaded), counts, followers;
the build renders them; a deleted or blocked reply is gone after the next pull."""

from __future__ import annotations

import json

import httpx
from click.testing import CliRunner

from sitegen.social import pull_site, register_site
from sitegen.social.pull import clean_reply_html, thread
from sitegen.social_cli import pull_command
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse

HOSTILE = ('<p>Nice post! <script>alert(1)</script><img src=x onerror=alert(2)>'
           '<a href="javascript:alert(3)">click</a> <a href="https://ok.example/">ok</a></p>')


def interactions(world) -> dict:
    return json.loads((world.root / "data" / "interactions.json").read_text())


async def reply_from(remote_actor, world, client, content: str, *, in_reply_to: str | None = None):
    note = remote_actor.note(content, in_reply_to=in_reply_to or world.post_id("first"))
    create = remote_actor.create(note)
    answer = await remote_actor.post(client, world.inbox.url(f"/v1/{world.mention}/inbox"), create)
    assert answer.status_code == 202, answer.text
    await world.inbox.settle()
    return create, note


async def test_approved_reply_is_pulled_sanitised_and_rendered_on_the_post_page(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        bob = remote.actor("bob", extra={"name": "Bob <b>Builder</b>",
                                         "icon": {"type": "Image", "url": f"{remote.base}/bob.png"}})
        create, note = await reply_from(bob, world, client, HOSTILE)
        await world.call(pull_site, world.root, allow_private=True)
        assert interactions(world) == {}  # queued for moderation: not public yet
        await world.approve(create["id"])
        report = await world.call(pull_site, world.root, allow_private=True)
        world.build()
    assert report.replies == 1 and report.changed
    [reply] = interactions(world)["first"]["replies"]
    assert reply["id"] == note["id"] and reply["depth"] == 0
    assert reply["author_name"] == "Bob Builder" and reply["author_url"] == bob.id
    assert reply["author_handle"] == bob.handle and reply["author_avatar"] == f"{remote.base}/bob.png"
    html = reply["content_html"]
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert 'href="https://ok.example/"' in html and "Nice post!" in html
    page = (world.out / "posts" / "first" / "index.html").read_text()
    assert "Nice post!" in page and "Bob Builder" in page
    assert "<script>alert" not in page and "onerror" not in page


async def test_deleted_reply_disappears_on_the_next_pull_and_build(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        allow = await world.as_blog("POST", "/allowlist", text=f"@*@{remote.base.split('//')[1]}\n")
        assert allow.status == 200, allow.text
        bob = remote.actor("bob")
        _create, note = await reply_from(bob, world, client, "<p>Soon gone</p>")
        await world.call(pull_site, world.root, allow_private=True)
        world.build()
        assert "Soon gone" in (world.out / "posts/first/index.html").read_text()
        delete = bob.activity("Delete", {"id": note["id"], "type": "Tombstone"})
        await bob.post(client, world.inbox.url(f"/v1/{world.mention}/inbox"), delete)
        await world.inbox.settle()
        report = await world.call(pull_site, world.root, allow_private=True)
        world.build()
    assert report.replies == 0 and interactions(world) == {}
    assert "Soon gone" not in (world.out / "posts/first/index.html").read_text()


async def test_blocked_authors_reply_disappears_on_the_next_pull(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        bob = remote.actor("bob")
        create, _note = await reply_from(bob, world, client, "<p>Rude words</p>")
        await world.approve(create["id"])
        assert (await world.call(pull_site, world.root, allow_private=True)).replies == 1
        block = await world.as_blog("POST", "/blocklist", text=f"{bob.handle}\n")
        assert block.status == 200, block.text
        report = await world.call(pull_site, world.root, allow_private=True)
    assert report.replies == 0 and "Rude words" not in json.dumps(interactions(world))


async def test_likes_boosts_and_followers_are_counted(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        await world.as_blog("POST", "/allowlist", text=f"@*@{remote.base.split('//')[1]}\n")
        inbox = world.inbox.url(f"/v1/{world.mention}/inbox")
        actor_url = f"{world.base_url}/ap/actor.json"
        for name in ("carol", "dave"):
            fan = remote.actor(name)
            await fan.post(client, inbox, fan.activity("Like", world.post_id("first")))
            await fan.post(client, inbox, fan.follow(actor_url))
        await fan.post(client, inbox, fan.activity("Announce", world.post_id("first")))
        await world.inbox.settle()
        result = await world.call(CliRunner().invoke, pull_command,
                                  [str(world.root), "--allow-private"])
        world.build()
    assert result.exit_code == 0, result.output
    assert "2 followers" in result.output
    assert "0 replies on 1 post, " in result.output  # not "1 posts"
    entry = interactions(world)["first"]
    assert (entry["likes"], entry["boosts"], entry["replies"]) == (2, 1, [])
    host = remote.base.split("//")[1]
    assert sorted(face["handle"] for face in entry["likers"]) == [f"@carol@{host}",
                                                                    f"@dave@{host}"]
    assert [face["handle"] for face in entry["boosters"]] == [f"@dave@{host}"]
    assert json.loads((world.root / "data" / "followers.json").read_text()) == {"followers": 2}
    page = (world.out / "posts/first/index.html").read_text()
    assert "2 likes · 1 boost" in page and "1 boosts" not in page
    assert page.count('class="face"') == 3  # who liked and boosted, not only how many
    # servers read the counts from the post's likes/shares collections
    document = json.loads((world.out / "ap/posts/first.json").read_text())
    assert document["likes"]["totalItems"] == 2 and document["shares"]["totalItems"] == 1


async def test_unchanged_pull_does_not_touch_the_data_files(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        await world.call(pull_site, world.root)
        stamp = (world.root / "data" / "interactions.json").stat().st_mtime_ns
        report = await world.call(pull_site, world.root)
    assert not report.changed
    assert (world.root / "data" / "interactions.json").stat().st_mtime_ns == stamp


def test_pull_with_the_inbox_down_is_one_line_exit_1(tmp_path):
    from sitegen.cli import run_build
    from sitegen.scaffold import init_site

    init_site(tmp_path, base_url="http://127.0.0.1:1", username="a", display_name="A",
              inbox_url="http://127.0.0.1:9")
    run_build(tmp_path, quiet=True)
    result = CliRunner().invoke(pull_command, [str(tmp_path)])
    assert result.exit_code == 1 and "unreachable" in result.output
    assert result.output.count("\n") == 1


def test_replies_are_threaded_in_reading_order():
    root = "https://blog.example/ap/posts/p.json"
    replies = [
        {"id": "c", "in_reply_to": "a", "published": "2026-01-03"},
        {"id": "a", "in_reply_to": root, "published": "2026-01-01"},
        {"id": "b", "in_reply_to": root, "published": "2026-01-02"},
        {"id": "d", "in_reply_to": "https://elsewhere.example/x", "published": "2026-01-04"},
    ]
    assert [(r["id"], r["depth"]) for r in thread(replies, root)] == [
        ("a", 0), ("c", 1), ("b", 0), ("d", 0)]


def test_site_sanitiser_keeps_links_and_mentions_and_drops_the_rest():
    cleaned = clean_reply_html('<p><span class="h-card evil"><a class="u-url mention" '
                               'href="https://m.example/@bob" style="x">@bob</a></span> '
                               '<iframe src="https://x"></iframe><img src="https://x/y.png"></p>')
    assert 'class="u-url mention"' in cleaned and 'class="h-card"' in cleaned
    assert "style" not in cleaned and "iframe" not in cleaned and "<img" not in cleaned
    assert 'rel="nofollow noopener noreferrer ugc"' in cleaned


async def test_pull_on_a_fresh_checkout_uses_the_committed_publish_state(tmp_path):
    import shutil

    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        from sitegen.social import publish_site

        await world.call(publish_site, world.root)
        bob = remote.actor("bob")
        create, _note = await reply_from(bob, world, client, "<p>From CI</p>")
        await world.approve(create["id"])
        shutil.rmtree(world.root / ".fedipress-cache")  # what a CI checkout does not have
        report = await world.call(pull_site, world.root, allow_private=True)
    assert report.replies == 1
    assert "From CI" in interactions(world)["first"]["replies"][0]["content_html"]
