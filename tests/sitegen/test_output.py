"""Writing output files: only when the bytes change, atomically when replacing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sitegen.output import write_if_changed


def test_new_file_is_written_with_its_folders(tmp_path: Path):
    target = tmp_path / "a" / "b" / "index.html"
    assert write_if_changed(target, b"hello") is True
    assert target.read_bytes() == b"hello"
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]  # no temporary left


def test_same_bytes_leave_the_file_untouched(tmp_path: Path):
    target = tmp_path / "page.html"
    write_if_changed(target, b"same")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert write_if_changed(target, b"same") is False
    assert target.stat().st_mtime_ns == 1_000_000_000


def test_changed_bytes_replace_the_file_by_rename(tmp_path: Path):
    target = tmp_path / "doc.json"
    write_if_changed(target, b"old")
    reader = target.open("rb")  # a reader holding the old file keeps seeing all of it
    assert write_if_changed(target, b"new and longer") is True
    assert reader.read() == b"old"
    reader.close()
    assert target.read_bytes() == b"new and longer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json"]


def test_folder_removed_after_a_write_is_made_again(tmp_path: Path):
    first = tmp_path / "out" / "posts" / "x" / "index.html"
    write_if_changed(first, b"1")
    shutil.rmtree(tmp_path / "out")
    assert write_if_changed(first, b"2") is True
    assert first.read_bytes() == b"2"


def test_bulk_rewrite_overwrites_in_place_and_cuts_to_length(tmp_path: Path):
    target = tmp_path / "page.html"
    write_if_changed(target, b"a much longer old body")
    inode = target.stat().st_ino
    assert write_if_changed(target, b"short", atomic=False) is True
    assert target.read_bytes() == b"short"
    assert target.stat().st_ino == inode


def test_bulk_rewrite_leaves_a_hard_linked_copy_alone(tmp_path: Path):
    target = tmp_path / "page.html"
    write_if_changed(target, b"published")
    backup = tmp_path / "backup.html"
    os.link(target, backup)
    assert write_if_changed(target, b"changed", atomic=False) is True
    assert target.read_bytes() == b"changed"
    assert backup.read_bytes() == b"published"


def test_template_change_rewrites_pages_in_place_but_an_edit_replaces_them(site: Path):
    from sitegen.build import build_site

    build_site(site, site / "_site", version="t")
    page = site / "_site/posts/sunset/index.html"
    inode = page.stat().st_ino
    (site / "templates").mkdir(exist_ok=True)
    theme = Path(__file__).resolve().parents[2] / "sitegen/theme/templates/post.html"
    (site / "templates/post.html").write_text(
        theme.read_text("utf-8").replace("{{ post.body_html | safe }}",
                                         "<p>changed</p>{{ post.body_html | safe }}"), "utf-8")
    build_site(site, site / "_site", version="t")
    assert "<p>changed</p>" in page.read_text("utf-8")
    assert page.stat().st_ino == inode  # a full re-render: in place
    source = site / "content/posts/sunset.md"
    source.write_text(source.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    later = source.stat().st_mtime_ns + 2_000_000_000
    os.utime(source, ns=(later, later))
    build_site(site, site / "_site", version="t")
    assert "One more line." in page.read_text("utf-8")
    assert page.stat().st_ino != inode  # one post: replaced atomically
