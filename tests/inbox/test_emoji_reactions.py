"""Emoji reactions: ``EmojiReact`` (Pleroma/Akkoma) and ``Like`` with an emoji in ``content``
(Misskey), kept per emoji, counted per person, undone by their author, served to ``pull``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from inbox.handlers import Drop, LocalTarget, interpret
from inbox.handlers.reaction import Emoji, ReactionIntent

AS = "https://www.w3.org/ns/activitystreams"
BLOG = LocalTarget("@alice@blog.example", "https://blog.example/ap/actor.json",
                   "https://inbox.example/v1/@alice@blog.example/followers", False)
BOB = "https://remote.example/users/bob"
POST = "https://blog.example/ap/posts/a.json"


def _react(type_: str, **extra) -> dict:
    return {"@context": AS, "id": "https://remote.example/a/1", "type": type_, "actor": BOB,
            "object": POST, **extra}


def _misskey_like(actor, post: str, shortcode: str, icon: str) -> dict:
    return actor.activity("Like", post, content=f":{shortcode}:", _misskey_reaction=f":{shortcode}:",
                          tag=[{"id": icon, "type": "Emoji", "name": f":{shortcode}:",
                                "icon": {"type": "Image", "mediaType": "image/png", "url": icon}}])


def test_emoji_react_with_a_unicode_emoji_is_an_emoji_reaction() -> None:
    assert interpret(_react("EmojiReact", content="🔥"), BLOG) == \
        ReactionIntent("emoji", BOB, POST, Emoji("🔥"))


def test_emoji_react_with_a_joined_sequence_and_skin_tone_is_kept_whole() -> None:
    family = "👩\u200d👩\u200d👧"
    assert interpret(_react("EmojiReact", content=family), BLOG).emoji == Emoji(family)
    assert interpret(_react("EmojiReact", content="👍🏽"), BLOG).emoji == Emoji("👍🏽")


def test_misskey_like_with_a_custom_emoji_carries_its_image() -> None:
    icon = "https://remote.example/files/blobcat.png"
    like = _react("Like", content=":blobcat:", _misskey_reaction=":blobcat@.:",
                  tag=[{"type": "Emoji", "name": ":blobcat:", "icon": {"url": icon}}])
    assert interpret(like, BLOG) == ReactionIntent("emoji", BOB, POST, Emoji(":blobcat:", icon))


def test_custom_emoji_image_that_is_not_http_is_not_kept() -> None:
    like = _react("EmojiReact", content=":x:", tag=[{"type": "Emoji", "name": ":x:",
                                                     "icon": {"url": "javascript:alert(1)"}}])
    assert interpret(like, BLOG).emoji == Emoji(":x:", None)


def test_plain_like_stays_a_like() -> None:
    assert interpret(_react("Like"), BLOG) == ReactionIntent("like", BOB, POST)
    assert interpret(_react("Like", content="I like this"), BLOG) == ReactionIntent("like", BOB, POST)


@pytest.mark.parametrize("content", ["<b>x</b>", "hello", "🔥 and words", "🔥" * 40, "", ":bad shortcode:"])
def test_emoji_react_with_anything_but_one_emoji_is_dropped(content: str) -> None:
    assert isinstance(interpret(_react("EmojiReact", content=content), BLOG), Drop)


def test_emoji_react_of_something_not_the_blogs_is_dropped() -> None:
    assert isinstance(interpret(dict(_react("EmojiReact", content="🔥"), object="https://x.example/n/1"), BLOG), Drop)


def _allowed(world, *actors) -> None:
    """Admins are allowed by moderation, so what they send is approved at once."""
    world.inbox.app.state.settings.admins.extend(actor.handle for actor in actors)


async def _reactions(world) -> dict:
    url = world.inbox.url(f"/v1/{world.mention}/inbox/reactions/{quote(world.post_url(), safe='')}")
    answer = await world.client.get(url)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_emoji_reactions_are_counted_per_emoji_and_undone_by_their_author(world) -> None:
    bob, carol, dana = (world.remote.actor(name) for name in ("bob", "carol", "dana"))
    _allowed(world, bob, carol, dana)
    icon = f"{world.remote.base}/files/blobcat.png"
    bobs = bob.activity("EmojiReact", world.post_url(), content="🔥")
    for actor, activity in ((bob, bobs),
                            (carol, _misskey_like(carol, world.post_url(), "blobcat", icon)),
                            (dana, dana.activity("EmojiReact", world.post_url(), content="🔥"))):
        answer = await actor.post(world.client, world.alice_inbox, activity)
        assert answer.status_code == 202, answer.text
    await world.inbox.settle()

    answer = await _reactions(world)
    assert answer["items"] == [{"content": "🔥", "count": 2, "icon": None},
                               {"content": ":blobcat:", "count": 1, "icon": icon}]
    assert answer["totalItems"] == 3
    likes = await world.client.get(world.inbox.url(
        f"/v1/{world.mention}/inbox/likes/{quote(world.post_url(), safe='')}"))
    assert likes.json()["totalItems"] == 0  # a reaction is shown as its emoji, not as a like

    await bob.post(world.client, world.alice_inbox, bob.activity("Undo", bobs))
    await world.inbox.settle()
    assert {"content": "🔥", "count": 1, "icon": None} in (await _reactions(world))["items"]


async def test_the_same_person_reacting_twice_with_one_emoji_counts_once(world) -> None:
    bob = world.remote.actor("bob")
    _allowed(world, bob)
    for _ in range(2):
        await bob.post(world.client, world.alice_inbox, bob.activity("EmojiReact", world.post_url(), content="🎉"))
    await world.inbox.settle()
    assert (await _reactions(world))["items"] == [{"content": "🎉", "count": 1, "icon": None}]
