"""Output files removed or changed by hand are rebuilt: the no-change check compares what the
manifest recorded with a stat of the outputs, not only of the inputs."""

from __future__ import annotations

import shutil

import pytest

from tests.sitegen.conftest import run_cli


@pytest.fixture
def built_site(site, capsys):
    assert run_cli(capsys, "build", str(site))[0] == 0
    return site


def _snapshot(out, *paths: str) -> dict[str, bytes]:
    return {path: (out / path).read_bytes() for path in paths}


def _build(capsys, site) -> str:
    code, out, err = run_cli(capsys, "build", str(site))
    assert code == 0, err
    return out


def test_removed_index_and_actor_are_rebuilt(built_site, capsys) -> None:
    out = built_site / "_site"
    before = _snapshot(out, "index.html", "ap/actor.json")
    (out / "index.html").unlink()
    (out / "ap/actor.json").unlink()
    assert "up to date" not in _build(capsys, built_site)
    assert _snapshot(out, "index.html", "ap/actor.json") == before
    assert "up to date" in _build(capsys, built_site)


def test_a_hand_edited_top_level_file_is_rebuilt(built_site, capsys) -> None:
    out = built_site / "_site"
    before = _snapshot(out, "index.html", "feed.xml", "ap/outbox.json")
    for path in before:
        (out / path).write_text("edited by hand", "utf-8")
    assert "up to date" not in _build(capsys, built_site)
    assert _snapshot(out, *before) == before


def test_a_removed_post_document_or_post_folder_is_rebuilt(built_site, capsys) -> None:
    out = built_site / "_site"
    before = _snapshot(out, "ap/posts/sunset.json", "posts/sunset/index.html",
                       "ap/outbox/page-1.json")
    (out / "ap/posts/sunset.json").unlink()
    shutil.rmtree(out / "posts/sunset")
    (out / "ap/outbox/page-1.json").unlink()
    assert "up to date" not in _build(capsys, built_site)
    assert _snapshot(out, *before) == before


def test_a_removed_static_file_is_copied_again(built_site, capsys) -> None:
    out = built_site / "_site"
    (out / "avatar.png").unlink()
    _build(capsys, built_site)
    assert (out / "avatar.png").read_bytes() == (built_site / "static/avatar.png").read_bytes()
