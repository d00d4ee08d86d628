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


# The common front matter (one `key = value` a line) is placed without a TOML parse; whatever
# it cannot read for sure goes to the parser, and both must place the post alike.
_FRONTS = [
    'title = "Hello"\ndate = 2024-05-01T10:00:00Z\ntags = ["a", "b"]',
    "title = 'It''s'\ndate = 2024-05-01",  # not a literal string: the parser says so
    "title = 'Literal \\\\ text'\ndate = 2024-05-01 10:00:00+02:00",
    'title = "Esc \\" quote"\ndate = 2024-05-01T10:00:00',
    'title = ""\ndate = 2024-05-01T10:00:00.123456Z\ndraft = true',
    'date = 2024-05-01t10:00:00z\nslug = "my-post"\nin_reply_to = "https://x.example/1"',
    'title = "x" # a comment\ndate = 2024-05-01',
    '# a comment\n\ntitle="Tight"\ndate=2024-05-01T10:00:00Z\ndraft=false',
    'date = 2024-05-01\n[extra]\ntitle = "in a table"',
    'date = 2024-05-01\ntags = [\n  "a",\n]\ntitle = "late"',
    'summary = """\ntitle = "inside"\n"""\ndate = 2024-05-01\ntitle = "outside"',
    'date = 2024-05-01\ntitle = "one"\ntitle = "two"',
    'date = "2024-05-01"\ntitle = "quoted date"',
    'date = 2024-05-01\n"title" = "quoted key"',
    'date = 2024-05-01\ntitle.x = "dotted"',
    'date = 2024-05-01\ndraft = 1',
]


@pytest.mark.parametrize("front", _FRONTS)
def test_simple_front_matter_is_placed_as_the_parser_places_it(tmp_path, front):
    path = tmp_path / "a-post.md"
    text = f"+++\n{front}\n+++\nBody.\n"
    try:
        post = parse_post(text, path=path, static_dir=tmp_path)
    except FedipressError as exc:
        with pytest.raises(FedipressError) as placed:
            parse_place(text, path=path, static_dir=tmp_path)
        assert str(placed.value) == str(exc)
        return
    assert parse_place(text, path=path, static_dir=tmp_path) == (
        post.slug, post.title, post.published, post.draft, bool(post.in_reply_to))


def test_the_usual_front_matter_needs_no_toml_parse(tmp_path, monkeypatch):
    import sitegen.posts

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(sitegen.posts, "load_toml_text", no_parse)
    text = ('+++\ntitle = "Hello"\ndate = 2024-05-01T10:00:00Z\n'
            'tags = ["a", "b"]\nsummary = "s"\n+++\nBody.\n')
    assert parse_place(text, path=tmp_path / "a-post.md", static_dir=tmp_path)[:2] == (
        "a-post", "Hello")


@pytest.mark.parametrize("front", [*_FRONTS,
    'title = "T"\ndate = 2024-05-01\ntags = ["a", \'B\', "#c"]\nsummary = "s"\npinned = true',
    'date = 2024-05-01\ntags = []\nlanguage = "fr"\nquote_policy = "nobody"',
    'date = 2024-05-01\nquote_policy = "everyone"', 'date = 2024-05-01\ntags = "a"',
    'date = 2024-05-01\ncontent_warning = \'spoilers "here"\'\nobject_type = "note"',
    'date = 2024-05-01\ntags = ["a",]\nminor_edit = true\nto_followers = false',
    'date = 2024-05-01\nin_reply_to = "not a url"', 'date = 2024-13-01'])
def test_a_post_reads_alike_with_or_without_the_toml_parser(tmp_path, monkeypatch, front):
    import sitegen.posts

    path = tmp_path / "a-post.md"
    text = f"+++\n{front}\n+++\nBody.\n"

    def parsed():
        try:
            return parse_post(text, path=path, static_dir=tmp_path)
        except FedipressError as exc:
            return str(exc)

    quick = parsed()
    monkeypatch.setattr(sitegen.posts, "read_simple", lambda front, keys: None)
    assert quick == parsed()


def test_front_matter_is_split_as_line_by_line_splitting_does():
    """`split_front_matter` looks for the closing fence without splitting the body."""
    import random

    from sitegen.posts import split_front_matter

    def by_lines(text):
        rest = text.removeprefix("\ufeff").replace("\r\n", "\n").partition("\n")[2]
        lines = rest.split("\n")
        for index, line in enumerate(lines):
            if line.strip() == "+++":
                return "\n".join(lines[:index]), "\n".join(lines[index + 1:]), 1
        return "no fence"

    rng = random.Random(3)
    pieces = ["+++", "+++ ", "\t+++", "++++", "a = 1", "", "\r", "\x0b", "\u2028", "\r\n", "x"]
    for _ in range(3000):
        text = "+++\n" + "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        text += "\n" if rng.random() < 0.3 else ""
        try:
            split = split_front_matter(text, "x")
        except FedipressError:
            split = "no fence"
        assert split == by_lines(text), repr(text)


@pytest.mark.parametrize("front", [
    'title\xa0= "a"', 'title = "a"\u3000', 'title = "a"\x0c', 'title = "x"\r',
    'tags = ["a"\xa0]', '# c\x01\ntitle = "a"', '\xa0', '\x0b', 'title = "a"\n\u2028'])
def test_front_matter_the_toml_parser_refuses_is_left_to_it(front):
    import tomllib

    from sitegen.simple_front import read_simple

    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(front)
    assert read_simple(front, frozenset({"title", "tags"})) is None
