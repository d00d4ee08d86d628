"""How a post is shaped for the renderers that show it (docs/interop.md, "What readers see").

Facts the shapes rely on, read from the renderers' code:
- Mastodon shows a non-Note (`Article`, `Page`) as `<h2>name</h2>`, `summary` and the `url`,
  never its `content`, and never folds it (no spoiler text for converted types).
- GoToSocial uses `summary`, else `name`, as the content warning, for every type.
- Misskey uses `summary` as the content warning and ignores `name` (outside polls).
So a post that must not fold carries neither `name` nor `summary`, and a folded post is a
`Note` with `summary` + `sensitive`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sitegen.cli import run_build

BASE = "http://127.0.0.1:8000"
LONG_BODY = "\n\n".join(
    ["The first paragraph says what the post is about, in a sentence or two."]
    + [f"Paragraph {n} goes on at some length about harbours, light and patience. " * 3
       for n in range(2, 8)]
)


def write_post(site: Path, name: str, front: str, body: str) -> None:
    (site / "content" / "posts" / f"{name}.md").write_text(f"+++\n{front}\n+++\n\n{body}\n")


def doc(site: Path, slug: str) -> dict:
    return json.loads((site / "_site" / "ap" / "posts" / f"{slug}.json").read_text())


def set_config(site: Path, line: str) -> None:
    config = site / "fedipress.toml"
    text = config.read_text()
    first_table = text.index("\n[")
    config.write_text(text[:first_table] + f"\n{line}\n" + text[first_table:])


def test_long_titled_post_is_a_note_with_title_teaser_and_link_that_no_renderer_folds(site):
    write_post(site, "long", 'title = "A long walk"\ndate = 2024-05-09T10:00:00Z', LONG_BODY)
    run_build(site, quiet=True)
    post = doc(site, "long")
    assert post["type"] == "Note"
    assert "name" not in post  # GoToSocial would show it as a content warning
    assert post["summary"] is None and post["sensitive"] is False
    content = post["content"]
    assert "<strong>A long walk</strong>" in content
    assert "The first paragraph says what the post is about" in content
    assert f'href="{BASE}/posts/long/"' in content
    assert "Paragraph 5" not in content  # a teaser, not the whole text


def test_front_matter_summary_is_the_teaser(site):
    write_post(site, "long", 'title = "A long walk"\ndate = 2024-05-09T10:00:00Z\n'
               'summary = "Four hours, one harbour."', LONG_BODY)
    run_build(site, quiet=True)
    assert "Four hours, one harbour." in doc(site, "long")["content"]


def test_short_titled_post_is_a_note_with_its_title_and_full_text(site):
    write_post(site, "short", 'title = "Dusk"\ndate = 2024-05-09T10:00:00Z',
               "The light lasted four minutes.")
    run_build(site, quiet=True)
    post = doc(site, "short")
    assert post["type"] == "Note" and "name" not in post
    assert "<strong>Dusk</strong>" in post["content"]
    assert "The light lasted four minutes." in post["content"]


def test_untitled_post_is_a_note_with_its_full_text(site):
    run_build(site, quiet=True)
    post = doc(site, "morning-note")
    assert post["type"] == "Note" and "name" not in post and post["summary"] is None
    assert post["content"].startswith("<p>Coffee, rain")


def test_article_setting_sends_an_article_with_summary_and_a_fep_b2b8_preview(site):
    set_config(site, 'object_type = "article"')
    write_post(site, "long", 'title = "A long walk"\ndate = 2024-05-09T10:00:00Z', LONG_BODY)
    run_build(site, quiet=True)
    post = doc(site, "long")
    assert post["type"] == "Article" and post["name"] == "A long walk"
    assert "The first paragraph" in post["summary"]  # Mastodon shows it under the title
    assert "Paragraph 5" in post["content"]  # the whole post, for renderers that show it
    preview = post["preview"]
    assert preview["type"] == "Note" and preview["attributedTo"] == post["attributedTo"]
    assert "<strong>A long walk</strong>" in preview["content"]
    assert f'href="{BASE}/posts/long/"' in preview["content"]


def test_front_matter_object_type_overrides_the_site_setting(site):
    write_post(site, "long", 'title = "A long walk"\ndate = 2024-05-09T10:00:00Z\n'
               'object_type = "article"', LONG_BODY)
    write_post(site, "full", 'title = "All of it"\ndate = 2024-05-09T11:00:00Z\n'
               'object_type = "note"', LONG_BODY)
    run_build(site, quiet=True)
    assert doc(site, "long")["type"] == "Article"
    full = doc(site, "full")
    assert full["type"] == "Note" and "Paragraph 5" in full["content"]


def test_unknown_object_type_is_a_config_error(site, capsys):
    from tests.sitegen.conftest import run_cli

    set_config(site, 'object_type = "page"')
    code, _out, err = run_cli(capsys, "build", str(site))
    assert code == 2 and "object_type" in err


@pytest.mark.parametrize("setting", ["auto", "note", "article"])
def test_content_warning_folds_in_every_renderer_whatever_the_setting(site, setting):
    set_config(site, f'object_type = "{setting}"')
    write_post(site, "cw", 'title = "Election night"\ndate = 2024-05-09T10:00:00Z\n'
               'content_warning = "politics"', LONG_BODY)
    run_build(site, quiet=True)
    post = doc(site, "cw")
    # Mastodon folds only a Note's summary; GoToSocial and Misskey fold any summary
    assert post["type"] == "Note" and "name" not in post
    assert post["summary"] == "politics" and post["sensitive"] is True


def test_relative_links_and_images_are_absolute_in_federated_content_and_feed(site):
    write_post(site, "links", 'date = 2024-05-09T10:00:00Z',
               "See [the sunset](/posts/sunset/), [a neighbour](../morning-note/) and "
               "![harbour](/images/sunset.png) or [mail](mailto:a@b.example) and "
               "[elsewhere](https://other.example/x).")
    run_build(site, quiet=True)
    content = doc(site, "links")["content"]
    assert f'href="{BASE}/posts/sunset/"' in content
    assert f'href="{BASE}/posts/morning-note/"' in content
    assert f'src="{BASE}/images/sunset.png"' in content
    assert 'href="mailto:a@b.example"' in content
    assert 'href="https://other.example/x"' in content
    feed = (site / "_site" / "feed.xml").read_text()
    assert f'href=&#34;{BASE}/posts/sunset/&#34;' in feed or \
        f'href=&quot;{BASE}/posts/sunset/&quot;' in feed
    assert 'href=&#34;/posts/' not in feed and 'href=&quot;/posts/' not in feed


def test_feed_carries_the_whole_post_even_when_timelines_get_a_teaser(site):
    write_post(site, "long", 'title = "A long walk"\ndate = 2024-05-09T10:00:00Z', LONG_BODY)
    run_build(site, quiet=True)
    feed = (site / "_site" / "feed.xml").read_text()
    assert "Paragraph 7" in feed


def test_text_behind_a_content_warning_stays_out_of_page_and_feed_titles(site):
    run_build(site, quiet=True)
    page = (site / "_site" / "posts" / "election-thoughts" / "index.html").read_text()
    title = re.search(r"<title>(.*)</title>", page).group(1)
    assert "local election" not in title and "politics" not in title
    feed = (site / "_site" / "feed.xml").read_text()
    titles = re.findall(r"<title>(.*)</title>", feed)
    assert not any("local election" in t or "politics" in t for t in titles)
    assert "A post from 4 May 2024" in titles


@pytest.mark.parametrize("page_url", ["https://blog.example/posts/a-b/",
                                      "http://127.0.0.1:8000/posts/x/",
                                      "https://blog.example/sub/posts/x/"])
def test_absolute_urls_agrees_with_urljoin_on_every_kind_of_link(page_url):
    """The shortcuts for root paths (`/images/a.png`) and for plain absolute URLs give what
    urljoin gives, dot segments,
    doubled slashes, params, empty queries and stray whitespace included."""
    import html
    import random
    from urllib.parse import urljoin

    from sitegen.presentation import absolute_urls

    pieces = list("/.;?#&=ab %~_-:\t") + ["..", "//", "é", "&amp;", "http://x/", "mailto:a@b"]
    rng = random.Random(7)
    for _ in range(20000):
        value = rng.choice(["/", "", "./", "../", "#", "?", "https://blog.example",
                            "https://blog.example/a", "http://x.example:8000/", "HTTPS://b.example/",
                            "https://[::1]/", "https://é.example/", "mailto:a@b.example",
                            "https:/", "https:x"]) + "".join(
            rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        escaped = html.escape(value, quote=True)
        fixed = urljoin(page_url, html.unescape(escaped))
        shown = escaped if fixed == html.unescape(escaped) else html.escape(fixed, quote=True)
        expected = f'<a href="{shown}">'
        assert absolute_urls(f'<a href="{escaped}">', page_url) == expected, value
