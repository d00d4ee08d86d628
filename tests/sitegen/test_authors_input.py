"""Input real authors have: Windows line endings, a config saved in another encoding, empty
posts, and `init` values that the build would refuse."""

from __future__ import annotations

import json

import pytest

from tests.sitegen.conftest import run_cli


@pytest.fixture
def blog(tmp_path, capsys):
    site = tmp_path / "blog"
    assert run_cli(capsys, "init", str(site))[0] == 0
    return site


def test_a_post_with_crlf_line_endings_builds(blog, capsys) -> None:
    text = '+++\ntitle = "Windows"\ndate = 2024-01-01T10:00:00Z\ntags = ["os"]\n' \
           'object_type = "article"\n+++\n\n' \
           "Written in *Notepad*.\n\nSecond paragraph #crlf\n"
    (blog / "content/posts/windows.md").write_bytes(text.replace("\n", "\r\n").encode())
    code, _out, err = run_cli(capsys, "build", str(blog), "-q")
    assert code == 0, err
    doc = json.loads((blog / "_site/ap/posts/windows.json").read_text("utf-8"))
    assert doc["name"] == "Windows"
    assert "<em>Notepad</em>" in doc["content"] and "\r" not in doc["content"]
    assert {tag["name"] for tag in doc["tag"]} == {"#os", "#crlf"}


def test_a_config_with_crlf_line_endings_loads(blog, capsys) -> None:
    config = blog / "fedipress.toml"
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    assert run_cli(capsys, "build", str(blog), "-q")[0] == 0


def test_a_config_that_is_not_utf8_is_one_line_and_exit_2(blog, capsys) -> None:
    config = blog / "fedipress.toml"
    config.write_bytes(config.read_bytes().replace(b'display_name = "me"',
                                                   b'display_name = "Ren\xe9e"'))
    code, _out, err = run_cli(capsys, "build", str(blog))
    assert code == 2
    assert err == f"error: {config}: not UTF-8 text (save it as UTF-8)\n"


def test_an_empty_post_is_refused_not_published(blog, capsys) -> None:
    (blog / "content/posts/empty.md").write_text("+++\ndate = 2024-01-01\n+++\n\n  \n", "utf-8")
    code, _out, err = run_cli(capsys, "build", str(blog))
    assert code == 1
    assert "content/posts/empty.md:3: the post is empty" in err
    assert not (blog / "_site/ap/posts/empty.json").exists()


def test_an_empty_draft_is_fine(blog, capsys) -> None:
    code, out, err = run_cli(capsys, "new", "Later", "--site", str(blog))
    assert code == 0, err
    assert run_cli(capsys, "build", str(blog), "-q")[0] == 0


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--base-url", "blog.example", "--base-url must be an http(s) URL"),
    ("--base-url", "https://blog.example/blog", "--base-url must be the site root"),
    ("--base-url", "https://blog.example:99999", "--base-url must be an http(s) URL"),
    ("--username", "Alice", "--username must be 1-64 of a-z, 0-9, _"),
    ("--username", "al ice", "--username must be 1-64 of a-z, 0-9, _"),
    ("--inbox-url", "ftp://x", "--inbox-url must be an http(s) URL"),
])
def test_init_refuses_what_the_build_would_refuse(tmp_path, capsys, option, value,
                                                  message) -> None:
    code, _out, err = run_cli(capsys, "init", str(tmp_path / "b"), option, value)
    assert code == 2
    assert err.startswith(f"error: {message}")
    assert not (tmp_path / "b").exists()


def test_what_init_accepts_the_build_accepts(tmp_path, capsys) -> None:
    site = tmp_path / "b"
    code, _out, err = run_cli(capsys, "init", str(site), "--base-url", "https://blog.example/",
                              "--username", "sam_1", "--display-name", 'Sam "the" Écrivain')
    assert code == 0, err
    assert run_cli(capsys, "build", str(site), "-q")[0] == 0
    actor = json.loads((site / "_site/ap/actor.json").read_text("utf-8"))
    assert actor["name"] == 'Sam "the" Écrivain'
