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
