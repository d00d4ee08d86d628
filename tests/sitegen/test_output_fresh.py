"""A first build creates its files without looking first (`fresh`), and reads whole files in
a few system calls (`read_whole`); both behave as the careful path does."""

from __future__ import annotations

from sitegen.output import read_whole, write_if_changed


def test_read_whole_reads_empty_small_and_large_files(tmp_path):
    for size in (0, 10, (1 << 20) + 7, 3 << 20):
        path = tmp_path / f"f{size}"
        data = bytes(i % 251 for i in range(size))
        path.write_bytes(data)
        assert read_whole(path) == data and read_whole(str(path)) == data


def test_a_fresh_write_over_a_file_that_exists_still_compares_and_replaces(tmp_path):
    path = tmp_path / "posts" / "a" / "index.html"
    assert write_if_changed(str(path), b"one", fresh=True) is True
    assert path.read_bytes() == b"one"
    assert write_if_changed(str(path), b"one", fresh=True) is False  # same bytes: untouched
    assert write_if_changed(str(path), b"two!", fresh=True, atomic=False) is True
    assert path.read_bytes() == b"two!"
    assert write_if_changed(path, b"three", fresh=True) is True
    assert path.read_bytes() == b"three"
