"""`fedipress new` and file names: slugs that read well and never collide."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sitegen.posts import slugify
from sitegen.scaffold import new_post
from tests.sitegen.conftest import run_cli


@pytest.mark.parametrize(("title", "slug"), [
    ("Café", "cafe"),
    ("Größe & Straße", "grosse-strasse"),
    ("Ελληνικά νέα", "ellinika-nea"),
    ("日本語のタイトル", "ribenyunotaitoru"),
    ("Say \"hi\"", "say-hi"),
    ("!!!", ""),
])
def test_titles_become_readable_ascii_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_long_titles_are_cut_at_a_word(tmp_path) -> None:
    slug = slugify("word " * 40)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.endswith("word")


def test_several_untitled_notes_never_collide(tmp_path, capsys) -> None:
    site = tmp_path / "blog"
    run_cli(capsys, "init", str(site))
    made = []
    for _ in range(3):
        code, out, err = run_cli(capsys, "new", "", "--site", str(site))
        assert code == 0, err
        made.append(out.strip())
    assert len(set(made)) == 3
    assert all("/content/posts/note-" in path for path in made)


def test_an_untitled_note_is_named_after_its_time(tmp_path, capsys) -> None:
    site = tmp_path / "blog"
    run_cli(capsys, "init", str(site))
    moment = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    assert new_post(site, "", now=moment).name == "note-20240506-070809.md"
    assert new_post(site, "", now=moment).name == "note-20240506-070809-2.md"


def test_titles_in_other_scripts_never_collide(tmp_path, capsys) -> None:
    site = tmp_path / "blog"
    run_cli(capsys, "init", str(site))
    names = {new_post(site, title).name for title in ("日本語", "Ελληνικά", "Привет", "Café")}
    assert names == {"ribenyu.md", "ellinika.md", "privet.md", "cafe.md"}
    assert new_post(site, "Café").name == "cafe-2.md"


def test_a_post_file_named_with_accents_gets_an_ascii_slug(tmp_path, capsys) -> None:
    site = tmp_path / "blog"
    run_cli(capsys, "init", str(site))
    (site / "content/posts/Café au lait.md").write_text(
        "+++\ndate = 2024-01-01\n+++\nA cup.\n", "utf-8")
    code, _out, err = run_cli(capsys, "build", str(site), "-q")
    assert code == 0, err
    doc = json.loads((site / "_site/ap/posts/cafe-au-lait.json").read_text("utf-8"))
    assert doc["url"].endswith("/posts/cafe-au-lait/")
