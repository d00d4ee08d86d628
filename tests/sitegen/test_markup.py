"""The fediverse conventions inside Markdown: where they apply and where they must not."""

from __future__ import annotations

import pytest

from sitegen.markup import Markup, shorten
from sitegen.mentions import MentionTarget


@pytest.fixture(scope="module")
def markup() -> Markup:
    return Markup(tag_url=lambda t: f"https://blog.example/tags/{t}/",
                  emoji_urls={"blobcat": "https://blog.example/emoji/blobcat.png"})


def test_hashtag_links_to_lowercased_tag_page(markup):
    result = markup.render("Hello #Python world")
    assert result.found.tags == ["python"]
    assert 'href="https://blog.example/tags/python/"' in result.page_html
    assert "#<span>Python</span>" in result.page_html


def test_hashtags_in_code_links_and_urls_stay_text(markup):
    result = markup.render("`#inline` and [a #link](https://x.example/#frag) and a&#35;b\n\n"
                           "```\n#fenced\n```\n\nissue #123")
    assert result.found.tags == []


def test_resolved_mention_links_the_profile_page_and_collects_the_actor_id():
    bob = MentionTarget("https://social.example/users/bob", "https://social.example/@bob")
    markup = Markup(tag_url=str, emoji_urls={}, mentions={"@bob@social.example": bob})
    result = markup.render("Thanks @Bob@Social.Example.")
    assert result.found.mentions == {"@Bob@social.example": "https://social.example/users/bob"}
    assert result.found.handles == ["@Bob@social.example"]
    assert 'href="https://social.example/@bob" class="u-url mention"' in result.page_html
    assert result.page_html.rstrip().endswith(".</p>")


def test_unresolved_mention_links_the_guessed_profile_and_is_no_mention_yet(markup):
    """Without an actor id (publish resolves it) a Mention would reach nobody: none is made."""
    result = markup.render("Thanks @Bob@Social.Example.")
    assert result.found.mentions == {}
    assert result.found.handles == ["@Bob@social.example"]
    assert 'href="https://social.example/@Bob" class="u-url mention"' in result.page_html


def test_email_address_is_not_a_mention(markup):
    assert markup.render("mail me at bob@example.com").found.handles == []


def test_mention_with_port_for_local_test_servers(markup):
    found = markup.render("hi @alice@127.0.0.1:8000").found
    assert found.handles == ["@alice@127.0.0.1:8000"]


def test_known_emoji_is_an_image_on_the_page_and_text_for_activitypub(markup):
    result = markup.render("meow :blobcat: :unknown:")
    assert result.found.emoji == ["blobcat"]
    assert '<img class="emoji" src="https://blog.example/emoji/blobcat.png" alt=":blobcat:"' \
        in result.page_html
    assert ":blobcat:" in result.ap_html and "<img" not in result.ap_html
    assert ":unknown:" in result.page_html


def test_excerpt_is_the_first_paragraph_not_a_heading(markup):
    found = markup.render("# Title\n\nFirst *para*.\n\nSecond.").found
    assert found.excerpt == "First para."


def test_shorten_cuts_at_a_word():
    assert shorten("one two three", 9) == "one two…"
    assert shorten("short", 9) == "short"
