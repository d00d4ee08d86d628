"""End to end through the real inbox, ``pull`` and the build: emoji reactions and threads of
replies show under the post on its HTML page."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import httpx

from sitegen.social import pull_site, register_site
from sitegen.social.client import Answer
from sitegen.social.pull import Puller
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse
from tests.support.server import eventually


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


class _Nesting(HTMLParser):
    """How deep in ``<ol class="replies">`` lists each reply's text sits on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.lists = 0
        self.depth_of: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "ol" and ("class", "replies") in attrs:
            self.lists += 1

    def handle_endtag(self, tag):
        if tag == "ol" and self.lists:
            self.lists -= 1

    def handle_data(self, data):
        if data.strip().startswith("level"):
            self.depth_of[data.strip()] = self.lists


async def test_reply_to_a_reply_is_pulled_and_rendered_nested_under_its_parent(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, FakeFediverse() as other, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        await _allow(world, remote)
        await _allow(world, other)
        inbox = world.inbox.url(f"/v1/{world.mention}/inbox")
        bob, carol, dave = remote.actor("bob"), remote.actor("carol"), other.actor("dave")
        first = bob.note("<p>level one</p>", in_reply_to=world.post_id("first"))
        # dave's answer arrives before carol's: the inbox fetches carol's note to find the thread
        second = carol.note("<p>level two</p>", in_reply_to=first["id"])
        remote.serve(second["id"].removeprefix(remote.base), second)
        third = dave.note("<p>level three</p>", in_reply_to=second["id"])
        for actor, note in ((bob, first), (dave, third), (carol, second)):
            await actor.post(client, inbox, actor.create(note))
            await world.inbox.settle()
        assert [r.path for r in remote.fetches if "/statuses/" in r.path] == [
            second["id"].removeprefix(remote.base)]
        await world.call(pull_site, world.root, allow_private=True)
        world.build()
    replies = interactions(world)["first"]["replies"]
    assert [(r["content_html"], r["depth"]) for r in replies] == [
        ("<p>level one</p>", 0), ("<p>level two</p>", 1), ("<p>level three</p>", 2)]
    nesting = _Nesting()
    nesting.feed(page(world))
    assert nesting.depth_of == {"level one": 1, "level two": 2, "level three": 3}


def _quote_request(bob, post: str) -> dict:
    note = bob.note(f'<p>RE: <a href="{post}">{post}</a></p>')
    note["quote"] = post
    return {"@context": ["https://www.w3.org/ns/activitystreams",
                         {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}],
            "id": bob.new_id("quote_requests"), "type": "QuoteRequest", "actor": bob.id,
            "object": post, "instrument": note}


async def test_accepted_quote_has_its_stamp_served_by_the_blog_and_is_counted(tmp_path):
    posts = {"first": {}, "private-thoughts": {"extra": 'quote_policy = "nobody"'}}
    async with site_world(tmp_path, posts=posts) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        inbox = world.inbox.url(f"/v1/{world.mention}/inbox")
        bob = remote.actor("bob")
        document = (await client.get(world.post_id("first"))).json()
        assert document["interactionPolicy"] == {
            "canQuote": {"automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"]}}
        closed = (await client.get(world.post_id("private-thoughts"))).json()
        assert closed["interactionPolicy"]["canQuote"]["automaticApproval"] == [closed["attributedTo"]]

        request = _quote_request(bob, world.post_id("first"))
        await bob.post(client, inbox, request)
        await bob.post(client, inbox, _quote_request(bob, world.post_id("private-thoughts")))
        await world.inbox.settle()
        answers = await eventually(lambda: len(remote.deliveries) >= 2 and [r.json() for r in remote.deliveries])
        by_post = {a["object"]["object"]: a for a in answers}
        accept, reject = by_post[world.post_id("first")], by_post[world.post_id("private-thoughts")]
        assert (accept["type"], reject["type"]) == ("Accept", "Reject")
        stamp_url = accept["result"]
        assert stamp_url.startswith(f"{world.base_url}/ap/quotes/")
        assert (await client.get(stamp_url)).status_code == 404  # not on the static site yet

        await world.call(pull_site, world.root, allow_private=True)
        world.build()
        served = await client.get(stamp_url)
        assert served.status_code == 200, served.text
        assert served.headers["content-type"].startswith("application/activity+json")
        stamp = served.json()
        assert (stamp["id"], stamp["type"], stamp["attributedTo"]) == (
            stamp_url, "QuoteAuthorization", f"{world.base_url}/ap/actor.json")
        assert (stamp["interactingObject"], stamp["interactionTarget"]) == (
            request["instrument"]["id"], world.post_id("first"))
        assert interactions(world)["first"]["quotes"] == 1
        assert "1 quote" in page(world)

        # the quoting post is deleted: the quote and its stamp are gone after the next pull
        delete = bob.activity("Delete", {"id": request["instrument"]["id"], "type": "Tombstone"})
        await bob.post(client, inbox, delete)
        await world.inbox.settle()
        await world.call(pull_site, world.root, allow_private=True)
        world.build()
        assert (await client.get(stamp_url)).status_code == 404
    assert "first" not in interactions(world)


class _OlderInbox:
    """An inbox from before emoji reactions and quotes: those routes answer 404."""

    def actor_path(self, suffix: str = "") -> str:
        return f"/v1/@alice@blog.example{suffix}"

    def get(self, path: str, *, signed: bool = True) -> Answer:
        if "/inbox/reactions/" in path or "/inbox/quotes/" in path:
            return Answer(404, {"error": "not_found"}, "")
        return Answer(200, {"totalItems": 1 if "/likes/" in path else 0, "orderedItems": []}, "")


def test_pull_from_an_inbox_without_reaction_or_quote_routes_keeps_the_rest():
    entry = Puller(_OlderInbox(), actor_id="https://blog.example/ap/actor.json").post_entry(
        "https://blog.example/ap/posts/a.json")
    assert entry == {"likes": 1, "boosts": 0, "replies": []}
