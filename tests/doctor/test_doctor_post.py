"""``fedipress doctor SITE --post SLUG`` on the example site, built and served on 127.0.0.1:
each of its post forms (docs/interop.md, "What readers see") shown as each renderer shows it."""

from __future__ import annotations

import re
import threading

import pytest
from click.testing import CliRunner

from fedipress.cli import cli
from sitegen.cli import run_build
from sitegen.serve import make_server
from tests.support.example_site import copy_example


@pytest.fixture(scope="module")
def served_example(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("doctor-post") / "blog")
    (root / "_site").mkdir()
    server = make_server(root / "_site", "127.0.0.1", 0, quiet=True)
    config = root / "fedipress.toml"
    config.write_text(re.sub(r'(?m)^base_url = .*$', f'base_url = "{server.url.rstrip("/")}"',
                             config.read_text()))
    run_build(root, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root
    server.shutdown()
    server.server_close()


def sections(out: str) -> dict[str, str]:
    """The text under each ``on <Renderer>`` heading."""
    found = re.split(r"(?m)^on (Mastodon|GoToSocial|Misskey|Pleroma)$", out)
    return {found[i]: found[i + 1] for i in range(1, len(found) - 1, 2)}


def doctor_post(root, slug: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["doctor", str(root), "--post", slug], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_an_article_is_a_title_and_link_on_mastodon_and_folded_behind_its_teaser_elsewhere(served_example):
    code, out = doctor_post(served_example, "sunset")
    print(out)
    assert code == 0
    assert "sunset federates as an Article" in out
    shown = sections(out)
    assert "## Sunset over the harbour" in shown["Mastodon"]
    assert "[folded" not in shown["Mastodon"] and "text is not shown" in shown["Mastodon"]
    assert shown["GoToSocial"].lstrip().startswith('[folded: "')
    assert "four minutes" in shown["GoToSocial"] and "four minutes" in shown["Misskey"]
    assert shown["Pleroma"].lstrip().startswith('[folded: "')
    assert "Sunset over the harbour <http" in shown["Pleroma"]
    assert "1 attachment, 1 with a description" in shown["Misskey"]


def test_a_content_warning_folds_on_every_renderer(served_example):
    code, out = doctor_post(served_example, "election-thoughts")
    assert code == 0 and "a Note behind a content warning" in out
    for renderer, text in sections(out).items():
        assert text.lstrip().startswith('[folded: "politics"'), renderer
        assert "local election" in text, renderer


def test_a_short_note_reads_whole_and_unfolded_everywhere(served_example):
    code, out = doctor_post(served_example, "morning-note")
    assert code == 0 and "a Note with the whole text" in out
    for renderer, text in sections(out).items():
        assert "[folded" not in text, renderer
        assert text.strip(), renderer


def test_an_unknown_slug_is_a_finding_with_the_fix(served_example):
    code, out = doctor_post(served_example, "no-such-post")
    assert code == 1 and "no post 'no-such-post'" in out
    assert "fix: the slug is the post file's name without .md" in out


def test_a_teaser_gets_a_link_card_on_mastodon_and_a_mention_never_does(served_example):
    code, out = doctor_post(served_example, "building-fast")
    assert code == 0 and "a Note teaser: title, teaser and a link to the whole post" in out
    assert "[link preview card for http" in sections(out)["Mastodon"]
    code, out = doctor_post(served_example, "thanks-bob")
    assert code == 0 and "link preview card" not in sections(out)["Mastodon"]
    assert "@bob" in sections(out)["Mastodon"]
