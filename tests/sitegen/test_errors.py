"""Every user mistake: one `error: file:line: reason` line, a non-zero exit, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.sitegen.conftest import run_cli


def write_post(site: Path, name: str, text: str) -> None:
    (site / "content" / "posts" / name).write_text(text, "utf-8")


def build_error(capsys, site: Path) -> str:
    code, _out, err = run_cli(capsys, "build", str(site), "--quiet")
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_broken_front_matter_names_file_and_line(site, capsys):
    write_post(site, "broken.md", '+++\ntitle = "ok"\ndate = 2024-01-01\ntags = [oops\n+++\nx\n')
    line = build_error(capsys, site)
    assert re.match(r"error: content/posts/broken\.md:[45]: ", line), line


def test_unclosed_front_matter_is_reported(site, capsys):
    write_post(site, "open.md", '+++\ndate = 2024-01-01\nno closing fence\n')
    assert build_error(capsys, site).startswith("error: content/posts/open.md:1: front matter")


def test_yaml_front_matter_is_refused_with_a_hint(site, capsys):
    write_post(site, "yaml.md", "---\ntitle: hi\n---\nbody\n")
    assert "+++" in build_error(capsys, site)


def test_bad_date_names_the_date_line(site, capsys):
    write_post(site, "when.md", '+++\ntitle = "x"\n\ndate = "yesterday"\n+++\nbody\n')
    line = build_error(capsys, site)
    assert line.startswith("error: content/posts/when.md:4: bad date 'yesterday'"), line


def test_missing_date_is_an_error(site, capsys):
    write_post(site, "nodate.md", '+++\ntitle = "x"\n+++\nbody\n')
    assert "needs a date" in build_error(capsys, site)


def test_unknown_front_matter_key_names_its_line(site, capsys):
    write_post(site, "typo.md", '+++\ndate = 2024-01-01\ntitel = "x"\n+++\nbody\n')
    assert build_error(capsys, site) == "error: content/posts/typo.md:3: unknown key 'titel'"


def test_missing_image_file_names_the_images_line(site, capsys):
    write_post(site, "pic.md", '+++\ndate = 2024-01-01\nimages = [{src = "images/nope.png", '
               'alt = "nothing"}]\n+++\nbody\n')
    line = build_error(capsys, site)
    assert line == "error: content/posts/pic.md:3: image 'images/nope.png' not found under static/"


def test_image_without_alt_text_is_refused(site, capsys):
    write_post(site, "noalt.md", '+++\ndate = 2024-01-01\nimages = [{src = "images/sunset.png", '
               'alt = " "}]\n+++\nbody\n')
    assert "needs alt text" in build_error(capsys, site)


def test_two_posts_with_the_same_slug(site, capsys):
    write_post(site, "zz-copy.md", '+++\ndate = 2024-01-01\nslug = "sunset"\n+++\nbody\n')
    line = build_error(capsys, site)
    assert line == ("error: content/posts/zz-copy.md:3: slug 'sunset' is also used by "
                    "content/posts/sunset.md")


def test_bad_slug_is_refused(site, capsys):
    write_post(site, "s.md", '+++\ndate = 2024-01-01\nslug = "Not OK"\n+++\nbody\n')
    assert "content/posts/s.md:3: slug 'Not OK'" in build_error(capsys, site)


def config_error(capsys, site: Path, old: str, new: str) -> tuple[int, str]:
    path = site / "fedipress.toml"
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
    code, _out, err = run_cli(capsys, "build", str(site), "--quiet")
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return code, err.strip()


def test_unknown_config_key_names_file_and_line(site, capsys):
    _, err = config_error(capsys, site, 'language = "en"', 'language = "en"\ncolour = "blue"')
    assert err == f"error: {site / 'fedipress.toml'}:9: unknown key 'colour'"


def test_unknown_key_in_a_config_table_names_its_line(site, capsys):
    _, err = config_error(capsys, site, 'value = "she/her"', 'value = "she/her"\nlink = true')
    assert err == f"error: {site / 'fedipress.toml'}:24: unknown key 'link'"


def test_wrong_type_in_config_names_the_key(site, capsys):
    _, err = config_error(capsys, site, "posts_per_page = 5", 'posts_per_page = "five"')
    assert re.fullmatch(rf"error: {re.escape(str(site))}/fedipress\.toml:10: posts_per_page: "
                        r"Expected `int`, got `str`", err), err


def test_config_syntax_error_names_the_line(site, capsys):
    _, err = config_error(capsys, site, 'username = "alice"', 'username = "alice')
    assert err.startswith(f"error: {site / 'fedipress.toml'}:3: ")


def test_base_url_with_a_path_is_refused(site, capsys):
    _, err = config_error(capsys, site, 'base_url = "http://127.0.0.1:8000"',
                          'base_url = "http://127.0.0.1:8000/blog"')
    assert ":2: base_url must be the site root" in err


def test_missing_emoji_image_is_refused(site, capsys):
    _, err = config_error(capsys, site, 'blobwave = "emoji/blobwave.png"',
                          'blobwave = "emoji/missing.png"')
    assert "emoji 'blobwave' image 'emoji/missing.png' not found" in err


def test_building_a_folder_without_config(tmp_path, capsys):
    code, _out, err = run_cli(capsys, "build", str(tmp_path), "--quiet")
    assert code == 2 and "no fedipress.toml here" in err and "Traceback" not in err


@pytest.mark.parametrize("bad", ["[1, 2]", "{not json"])
def test_broken_interactions_file_is_one_line(site, capsys, bad):
    (site / "data").mkdir(exist_ok=True)
    (site / "data" / "interactions.json").write_text(bad, "utf-8")
    assert "interactions.json" in build_error(capsys, site)
