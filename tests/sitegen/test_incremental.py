"""Rebuilds do only the work their changes need, and leave other files untouched."""

from __future__ import annotations

import json

import os
import shutil
import time
from pathlib import Path

from sitegen.build import build_site
from sitegen.cli import _version, run_build
from sitegen.manifest import is_up_to_date


def snapshot(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    stamp = time.time_ns() + 1_000_000_000  # a different mtime even on coarse clocks
    os.utime(path, ns=(stamp, stamp))


def test_second_build_is_up_to_date_and_rewrites_nothing(site):
    run_build(site, quiet=True)
    before = snapshot(site / "_site")
    assert is_up_to_date(site, site / "_site", None, _version())
    run_build(site, quiet=True)
    assert changed(before, snapshot(site / "_site")) == set()


def test_forced_rebuild_rewrites_no_unchanged_file(site):
    run_build(site, quiet=True)
    before = snapshot(site / "_site")
    run_build(site, quiet=True, force=True)
    assert changed(before, snapshot(site / "_site")) == set()


def test_editing_one_post_rewrites_only_what_shows_it(site):
    run_build(site, quiet=True)
    before = snapshot(site / "_site")
    edit(site / "content/posts/sunset.md", "four minutes", "five minutes")
    assert not is_up_to_date(site, site / "_site", None, _version())
    report = build_site(site, site / "_site", version=_version())
    assert report.rendered == 1
    assert changed(before, snapshot(site / "_site")) == {
        "posts/sunset/index.html", "ap/posts/sunset.json", "index.html", "feed.xml",
        "ap/outbox/page-2.json", "_fedipress/build-token",
    }  # tags/photos/ lists only the title and date: re-rendered, same bytes, not rewritten
    assert "five minutes" in (site / "_site/ap/outbox/page-2.json").read_text("utf-8")


def test_touching_a_post_without_changing_it_rewrites_nothing(site):
    run_build(site, quiet=True)
    before = snapshot(site / "_site")
    path = site / "content/posts/sunset.md"
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))
    report = build_site(site, site / "_site", version=_version())
    assert report.rendered == 0
    assert changed(before, snapshot(site / "_site")) == set()
    assert is_up_to_date(site, site / "_site", None, _version())


def test_outbox_activity_ids_are_stable_across_rebuilds(site):
    run_build(site, quiet=True)
    first = (site / "_site/ap/outbox/page-1.json").read_bytes()
    edit(site / "content/posts/sunset.md", "four minutes", "five minutes")
    run_build(site, quiet=True, force=True)
    assert (site / "_site/ap/outbox/page-1.json").read_bytes() == first


def test_removing_a_post_removes_its_files_and_mentions(site):
    run_build(site, quiet=True)
    (site / "content/posts/sunset.md").unlink()
    run_build(site, quiet=True)
    out = site / "_site"
    # the document stays as a Tombstone (tests/sitegen/test_tombstones.py), the page goes
    assert json.loads((out / "ap/posts/sunset.json").read_text())["type"] == "Tombstone"
    assert not (out / "posts/sunset").exists()
    assert not (out / "tags/photos").exists()
    assert "sunset" not in (out / "index.html").read_text("utf-8")


def test_publishing_a_draft_adds_it_everywhere(site):
    run_build(site, quiet=True)
    edit(site / "content/posts/unfinished.md", "draft = true", "draft = false")
    run_build(site, quiet=True)
    out = site / "_site"
    assert (out / "ap/posts/unfinished.json").is_file()
    assert "/posts/unfinished/" in (out / "index.html").read_text("utf-8")
    assert '"totalItems":7' in (out / "ap/outbox.json").read_text("utf-8")


def test_future_post_waits_until_its_date(site):
    (site / "content/posts/later.md").write_text(
        '+++\ndate = 2030-01-01T00:00:00Z\n+++\nFrom the future.\n', "utf-8")
    out = site / "_site"
    build_site(site, out, version=_version(), now=time.time())
    assert not (out / "ap/posts/later.json").exists()
    build_site(site, out, version=_version(), now=1_900_000_000.0)  # 2030-03
    assert (out / "ap/posts/later.json").is_file()


def test_config_change_is_seen_by_the_stat_check(site):
    run_build(site, quiet=True)
    edit(site / "fedipress.toml", 'display_name = "Alice Example"', 'display_name = "Alice E."')
    assert not is_up_to_date(site, site / "_site", None, _version())
    run_build(site, quiet=True)
    assert '"name":"Alice E."' in (site / "_site/ap/actor.json").read_text("utf-8")


def test_interactions_file_renders_replies_under_the_post(site):
    run_build(site, quiet=True)
    data = site / "data"
    data.mkdir(exist_ok=True)
    (data / "interactions.json").write_text(
        '{"sunset": {"likes": 3, "boosts": 1, "replies": [{"author_name": "Bob", '
        '"author_url": "https://social.example/@bob", "url": "https://social.example/@bob/1", '
        '"published": "2024-05-06T10:00:00Z", "content_html": "<p>Lovely!</p>"}]}}', "utf-8")
    before = snapshot(site / "_site")
    run_build(site, quiet=True)
    page = (site / "_site/posts/sunset/index.html").read_text("utf-8")
    assert "<p>Lovely!</p>" in page and "3 likes" in page
    assert "posts/morning-note/index.html" not in changed(before, snapshot(site / "_site"))


def test_parallel_build_matches_serial_build(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    for n in range(70):
        (site / f"content/posts/gen-{n:03}.md").write_text(
            f"+++\ndate = 2023-01-01T00:{n // 60:02}:{n % 60:02}Z\ntags = ['bulk']\n+++\n"
            f"Post number {n} with #tag{n % 3}.\n", "utf-8")
    serial = build_site(site, tmp_path / "serial", version="t", jobs=1)
    parallel = build_site(site, tmp_path / "parallel", version="t", jobs=2, force=True)
    assert serial.rendered == parallel.rendered == 77
    a, b = snapshot(tmp_path / "serial"), snapshot(tmp_path / "parallel")
    assert a.keys() == b.keys()
    for name in a.keys() - {"_fedipress/build-token"}:  # a token of each output folder
        assert (tmp_path / "serial" / name).read_bytes().replace(b"serial", b"parallel") == \
            (tmp_path / "parallel" / name).read_bytes(), name


def test_site_template_overrides_the_theme_and_triggers_a_rebuild(site):
    run_build(site, quiet=True)
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "tag.html").write_text(
        '{% extends "base.html" %}{% block main %}<p class="custom">#{{ tag }}: '
        '{{ posts | length }}</p>{% endblock %}', "utf-8")
    assert not is_up_to_date(site, site / "_site", None, _version())
    run_build(site, quiet=True)
    assert '<p class="custom">#photos: 1</p>' in (
        site / "_site/tags/photos/index.html").read_text("utf-8")


def test_unicode_hashtag_gets_an_escaped_tag_url(site):
    (site / "content/posts/cafe.md").write_text(
        "+++\ndate = 2024-06-01\n+++\nAu #café ce matin.\n", "utf-8")
    run_build(site, quiet=True)
    import json
    doc = json.loads((site / "_site/ap/posts/cafe.json").read_text("utf-8"))
    assert {"type": "Hashtag", "href": "http://127.0.0.1:8000/tags/caf%C3%A9/",
            "name": "#café"} in doc["tag"]
    assert (site / "_site/tags/café/index.html").is_file()


def test_deleted_static_file_leaves_the_output(site):
    run_build(site, quiet=True)
    (site / "static/extra.txt").write_text("hello", "utf-8")
    run_build(site, quiet=True)
    assert (site / "_site/extra.txt").read_text("utf-8") == "hello"
    (site / "static/extra.txt").unlink()
    run_build(site, quiet=True)
    assert not (site / "_site/extra.txt").exists()
    assert (site / "_site/style.css").is_file()


def test_deleting_the_output_folder_rebuilds_every_page(site):
    run_build(site, quiet=True)
    pages = sorted(str(p.relative_to(site / "_site")) for p in (site / "_site").rglob("*"))
    shutil.rmtree(site / "_site")
    assert not is_up_to_date(site, site / "_site", None, _version())
    run_build(site, quiet=True)
    assert sorted(str(p.relative_to(site / "_site")) for p in (site / "_site").rglob("*")) == pages


def test_an_output_folder_from_another_build_is_not_trusted(site, tmp_path):
    run_build(site, quiet=True)
    stale = tmp_path / "stale"
    shutil.copytree(site / "_site", stale)
    edit(site / "content/posts/sunset.md", "four minutes", "five minutes")
    run_build(site, quiet=True)
    shutil.rmtree(site / "_site")
    shutil.copytree(stale, site / "_site")  # e.g. restored from an old backup
    run_build(site, quiet=True)
    assert "five minutes" in (site / "_site/posts/sunset/index.html").read_text("utf-8")


def test_a_newly_resolved_mention_rerenders_only_the_posts_naming_it(site):
    """publish writes data/mentions.json; the next build must notice it (no stale "up to
    date") and render again just the post that mentions the handle."""
    from sitegen.mentions import load_entries, save_entries

    run_build(site, quiet=True)
    out = site / "_site"
    assert "Mention" not in (out / "ap/posts/building-fast.json").read_text("utf-8")
    before = snapshot(out)
    entries = load_entries(site)
    entries["@carol@fosstodon.example"] = {"id": "https://fosstodon.example/users/carol",
                                           "url": "https://fosstodon.example/@carol"}
    save_entries(site, entries)
    assert not is_up_to_date(site, out, None, _version())
    run_build(site, quiet=True)
    rewritten = changed(before, snapshot(out))
    assert "ap/posts/building-fast.json" in rewritten
    assert not {p for p in rewritten if p.startswith(("ap/posts/", "posts/"))} - {
        "ap/posts/building-fast.json", "posts/building-fast/index.html"}
    doc = (out / "ap/posts/building-fast.json").read_text("utf-8")
    assert '"href":"https://fosstodon.example/users/carol"' in doc


def test_a_failed_build_leaves_no_neighbour_link_to_a_post_that_never_published(site):
    """The newest post's page links a newer post as soon as that post is placed; when the new
    post then fails to render, the build stops, and the next one (with the post gone) must not
    trust pages the failed build had rewritten."""
    now = 1_725_148_800.0  # 2024-09-01
    build_site(site, site / "_site", version=_version(), jobs=1, now=now)
    broken = site / "content/posts/new-photo.md"
    broken.write_text('+++\ntitle = "New photo"\ndate = 2024-08-01\n'
                      'images = [{src = "typo.png", alt = "x"}]\n+++\nx\n', "utf-8")
    try:
        build_site(site, site / "_site", version=_version(), jobs=1, now=now)
    except Exception as exc:  # noqa: BLE001 - which error is sitegen's business
        assert "typo.png" in str(exc)
    else:
        raise AssertionError("a post with a missing image built")
    broken.unlink()
    build_site(site, site / "_site", version=_version(), jobs=1, now=now)
    pages = [p for p in (site / "_site/posts").glob("*/index.html")
             if "/posts/new-photo/" in p.read_text("utf-8")]
    assert pages == []
