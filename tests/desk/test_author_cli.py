"""The author's CLI against the real inbox and the real built site on 127.0.0.1: what waits,
approve / reject / block, followers, replies; reactions need no approval by default; the
reply rules from fedipress.toml."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import httpx
from click.testing import CliRunner

from fedipress.cli import cli
from sitegen.config import load_site
from sitegen.social import pull_site, register_site
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse


async def fedipress(world, *args: str) -> tuple[int, str, str]:
    def run():
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    result = await world.call(run)
    return result.exit_code, result.stdout, result.stderr


async def send(world, client, remote_actor, activity) -> None:
    answer = await remote_actor.post(client, world.inbox.url(f"/v1/{world.mention}/inbox"), activity)
    assert answer.status_code == 202, answer.text
    await world.inbox.settle()


async def reply(world, client, remote_actor, text: str):
    create = remote_actor.create(remote_actor.note(f"<p>{text}</p>", in_reply_to=world.post_id("first")))
    await send(world, client, remote_actor, create)
    return create


def interactions(world) -> dict:
    path = world.root / "data" / "interactions.json"
    return json.loads(path.read_text()) if path.exists() else {}


async def test_a_reply_waits_in_the_queue_and_approve_makes_it_public(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        site = str(world.root)
        code, out, _ = await fedipress(world, "queue", site)
        assert code == 0 and "nothing waits" in out
        bob = remote.actor("bob")
        create = await reply(world, client, bob, "What a <b>lovely</b> post")
        code, out, _ = await fedipress(world, "queue", site)
        assert code == 0
        [line] = out.splitlines()
        short = line.split()[0]
        assert f"reply  {bob.handle} on {world.post_id('first')}" in line
        assert "“What a lovely post”" in line
        code, out, _ = await fedipress(world, "queue", site, "--json")
        [item] = json.loads(out)
        assert item["id"] == short and item["activity_id"] == create["id"]
        assert item["author_handle"] == bob.handle and item["kind"] == "reply"

        await world.call(pull_site, world.root, allow_private=True)
        assert interactions(world) == {}
        code, out, _ = await fedipress(world, "approve", short, "--site", site)
        assert code == 0 and f"approved {short} (reply from {bob.handle})" in out
        await world.call(pull_site, world.root, allow_private=True)
        assert "lovely" in interactions(world)["first"]["replies"][0]["content_html"]
        code, out, _ = await fedipress(world, "replies", site)
        assert code == 0 and short in out and "lovely" in out
        code, out, _ = await fedipress(world, "queue", site)
        assert "nothing waits" in out


async def test_likes_and_boosts_need_no_approval_by_default(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        carol = remote.actor("carol")
        await send(world, client, carol, carol.activity("Like", world.post_id("first")))
        await send(world, client, carol, carol.activity("Announce", world.post_id("first")))
        code, out, _ = await fedipress(world, "queue", str(world.root))
        assert code == 0 and "nothing waits" in out
        await world.call(pull_site, world.root, allow_private=True)
    assert interactions(world)["first"]["likes"] == 1
    assert interactions(world)["first"]["boosts"] == 1


async def test_reject_all_from_one_person_and_block_with_expiry(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        troll, bob = remote.actor("troll"), remote.actor("bob")
        await reply(world, client, troll, "first rant")
        await reply(world, client, troll, "second rant")
        await reply(world, client, bob, "kind words")
        site = str(world.root)
        code, out, _ = await fedipress(world, "reject", "--all-from", troll.handle, "--site", site)
        assert code == 0 and out.count("rejected ") == 2
        code, out, _ = await fedipress(world, "queue", site)
        assert troll.handle not in out and bob.handle in out
        code, out, _ = await fedipress(world, "block", troll.handle, "--for", "7d", "--site", site)
        assert code == 0 and f"blocked {troll.handle} for 7d" in out
        listed = await world.as_blog("GET", "/blocklist")
        assert troll.handle in listed.text
        audit = (await world.as_blog("GET", "/audit")).data["items"]
        [block] = [row for row in audit if row["action"] == "block"]
        assert block["target"] == troll.handle and block["expires"] is not None
        await reply(world, client, troll, "third rant")
        code, out, _ = await fedipress(world, "queue", site)
        assert "third rant" not in out


async def test_mistakes_are_one_line_with_the_right_exit_code(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        site = str(world.root)
        code, out, err = await fedipress(world, "approve", "deadbeef", "--site", site)
        assert code == 1 and err.startswith("error: no queued item deadbeef") and err.count("\n") == 1
        code, _, err = await fedipress(world, "approve", "--site", site)
        assert code == 2 and "nothing to approve" in err
        code, _, err = await fedipress(world, "block", "not a handle", "--site", site)
        assert code == 2 and "expected @user@host or a domain" in err
        code, _, err = await fedipress(world, "block", "@x@spam.example", "--for", "soon",
                                       "--site", site)
        assert code == 2 and "--for 'soon'" in err
        code, _, err = await fedipress(world, "queue", str(tmp_path / "nowhere"))
        assert code == 2 and err.startswith("error:") and err.count("\n") == 1
    # the inbox is gone now: unreachable is exit 1, one line
    code, _, err = await fedipress(world, "queue", site)
    assert code == 1 and "unreachable" in err and err.count("\n") == 1


async def test_followers_are_listed_with_handles_and_can_be_removed(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        dave = remote.actor("dave")
        await send(world, client, dave, dave.follow(load_site(world.root).actor_id))
        site = str(world.root)
        code, out, _ = await fedipress(world, "followers", site)
        assert code == 0 and out.startswith(dave.handle) and dave.id in out
        code, out, _ = await fedipress(world, "followers", site, "--remove", dave.handle)
        assert code == 0 and f"removed {dave.id}" in out
        code, out, _ = await fedipress(world, "followers", site, "--json")
        assert json.loads(out) == []
        await world.inbox.settle()


async def test_reply_rules_from_fedipress_toml_approve_people_approved_before(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        config = world.root / "fedipress.toml"
        config.write_text(config.read_text() + "\n[replies]\napprove_known = true\n")
        await world.call(register_site, world.root)
        assert (await world.as_blog("GET", "/rules")).data["approve_known"] is True
        bob, eve = remote.actor("bob"), remote.actor("eve")
        first = await reply(world, client, bob, "first from bob")
        await world.approve(first["id"])
        await reply(world, client, bob, "second from bob")
        await reply(world, client, eve, "first from eve")
        code, out, _ = await fedipress(world, "queue", str(world.root))
        assert "first from eve" in out and "bob" not in out
        code, out, _ = await fedipress(world, "replies", str(world.root))
        assert "second from bob" in out and "first from bob" in out


async def test_reply_rules_approve_allowlisted_domains_and_can_be_turned_off(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        config = world.root / "fedipress.toml"
        original = config.read_text()
        config.write_text(original + '\n[replies]\napprove_domains = ["127.0.0.1"]\n')
        await world.call(register_site, world.root)
        bob = remote.actor("bob")
        await reply(world, client, bob, "from a friendly server")
        config.write_text(original)
        await world.call(register_site, world.root)
        await reply(world, client, bob, "after the rule went")
        code, out, _ = await fedipress(world, "queue", str(world.root))
        assert "after the rule went" in out and "friendly" not in out


async def test_private_feed_lists_queue_items_under_a_rotatable_secret_url(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        bob = remote.actor("bob")
        await reply(world, client, bob, "Is &lt;this&gt; &amp; that right?")
        await send(world, client, bob, bob.activity("Like", world.post_id("first")))
        code, first_url, _ = await fedipress(world, "queue", str(world.root), "--new-feed-url")
        first_url = first_url.strip()
        assert code == 0 and first_url.startswith(world.inbox.base + "/feeds/")
        feed = await client.get(first_url)
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        assert f"{bob.handle} replied" in feed.text and "(waits for your approval)" in feed.text
        assert "Is &lt;this&gt; &amp; that right?" in feed.text and f"{bob.handle} liked" in feed.text
        assert feed.headers["cache-control"] == "private, no-store"
        entries = ElementTree.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")
        assert len(entries) == 2
        code, second_url, _ = await fedipress(world, "queue", str(world.root), "--new-feed-url")
        assert (await client.get(first_url)).status_code == 404
        assert (await client.get(second_url.strip())).status_code == 200
        guessed = await client.get(world.inbox.base + "/feeds/" + "a" * 32)
        assert guessed.status_code == 404 and guessed.json()["error"] == "unknown_feed"


async def test_replies_from_people_who_opted_out_are_shown_without_name_and_the_queue_says_why(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        shy = remote.actor("shy", extra={"indexable": False, "name": "Shy Person",
                                         "icon": {"type": "Image", "url": f"{remote.base}/s.png"}})
        bob = remote.actor("bob")
        shy_reply = await reply(world, client, shy, "quietly agreeing")
        bob_reply = await reply(world, client, bob, "loudly agreeing")
        code, out, _ = await fedipress(world, "queue", str(world.root))
        [shy_line] = [line for line in out.splitlines() if "quietly" in line]
        assert "[on the blog without name and avatar: their account is not indexable]" in shy_line
        [bob_line] = [line for line in out.splitlines() if "loudly" in line]
        assert "[on the blog" not in bob_line
        await world.approve(shy_reply["id"])
        await world.approve(bob_reply["id"])
        await world.call(pull_site, world.root, allow_private=True)
        world.build()
    replies = {r["content_html"]: r for r in interactions(world)["first"]["replies"]}
    shown = replies["<p>quietly agreeing</p>"]
    assert shown["author_url"] is None and shown["author_avatar"] is None
    assert shown["author_handle"] is None and "Shy" not in json.dumps(shown)
    assert shown["url"] is None
    assert replies["<p>loudly agreeing</p>"]["author_url"] == bob.id
    page = (world.out / "posts" / "first" / "index.html").read_text()
    assert "quietly agreeing" in page and "Shy Person" not in page and "/users/shy" not in page


async def test_a_noblog_reply_is_not_shown_at_all_when_the_site_says_hide(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        config = world.root / "fedipress.toml"
        config.write_text(config.read_text() + '\n[replies]\nunconsented = "hide"\n')
        await world.call(register_site, world.root)
        bob = remote.actor("bob")
        hidden = await reply(world, client, bob, "just for you #NoBlog")
        kept = await reply(world, client, bob, "for everyone")
        code, out, _ = await fedipress(world, "queue", str(world.root), "--json")
        why = {i["excerpt"]: i["public_page"] for i in json.loads(out)}
        assert why["just for you #NoBlog"] == {"shown": "not at all",
                                               "why": "the reply carries #noblog"}
        assert why["for everyone"] == {"shown": "in full"}
        await world.approve(hidden["id"])
        await world.approve(kept["id"])
        await world.call(pull_site, world.root, allow_private=True)
    texts = [r["content_html"] for r in interactions(world)["first"]["replies"]]
    assert texts == ["<p>for everyone</p>"]


async def test_desk_routes_refuse_bad_input_with_a_json_reason(tmp_path):
    async with site_world(tmp_path) as world, httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        for suffix, error in [("/desk/items?state=nope", "bad_state"),
                              ("/desk/items?limit=0", "bad_limit"),
                              ("/desk/followers?limit=x", "bad_limit")]:
            answer = await world.as_blog("GET", suffix)
            assert answer.status == 400 and answer.data["error"] == error, answer.text
        bad = await world.as_blog("PUT", "/rules", {"approve_followers_days": "soon"})
        assert bad.status == 400 and bad.data["error"] == "invalid_rules"
        unsigned = await client.get(world.inbox.url(f"/v1/{world.mention}/desk/items"))
        assert unsigned.status_code == 401 and "error" in unsigned.json()
