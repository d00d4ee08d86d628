"""A build orders the posts before it renders them, from the front matter alone
(`parse_place`): the same slug, title, date and state as the full parse, and the full parse's
own error for a mistake in those fields."""

from __future__ import annotations

import pytest

from fedicore.errors import FedipressError
from sitegen.posts import parse_place, parse_post
from tests.support.example_site import EXAMPLE


def _both(text: str, path, static_dir):
    return (parse_place(text, path=path, static_dir=static_dir),
            parse_post(text, path=path, static_dir=static_dir))


def test_every_example_post_is_placed_as_the_full_parse_reads_it():
    posts = sorted((EXAMPLE / "content" / "posts").rglob("*.md"))
    assert posts
    for path in posts:
        placed, post = _both(path.read_text("utf-8"), path, EXAMPLE / "static")
        assert placed == (post.slug, post.title, post.published, post.draft,
                          bool(post.in_reply_to)), path


@pytest.mark.parametrize("front", [
    'title = "x"\ndate = "yesterday"', 'title = "x"', 'date = 2024-05-01\nslug = "Not A Slug"',
    'date = 2024-05-01\ntitle = 3', 'date = 2024-05-01\nnope = 1', 'date = = 1'])
def test_a_mistake_in_what_places_a_post_is_the_full_parse_error(tmp_path, front):
    path = tmp_path / "post.md"
    text = f"+++\n{front}\n+++\nBody.\n"
    with pytest.raises(FedipressError) as full:
        parse_post(text, path=path, static_dir=tmp_path)
    with pytest.raises(FedipressError) as placed:
        parse_place(text, path=path, static_dir=tmp_path)
    assert str(placed.value) == str(full.value)


def test_a_mistake_elsewhere_waits_for_the_render(tmp_path):
    text = '+++\ndate = 2024-05-01\nimages = [{src = "gone.png", alt = "x"}]\n+++\nBody.\n'
    assert parse_place(text, path=tmp_path / "a-post.md", static_dir=tmp_path)[0] == "a-post"
