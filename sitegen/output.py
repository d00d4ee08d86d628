"""Writing the output folder: only when the bytes changed, atomically when it matters.

An unchanged file keeps its mtime, so rsync, CDNs and `fedipress serve --watch` see only
real changes. A rebuild of a few files replaces each atomically, so a reader (the preview
server, a browser reloading) never sees a half-written file. A full re-render (template or
config change, `--force`) rewrites files in place instead, as Hugo does: replacing thousands
of files by rename makes the filesystem free and allocate thousands of inodes, ~25x slower
on ext4.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fedicore.errors import FedipressError


def write_if_changed(path: Path | str, data: bytes, *, atomic: bool = True,
                     fresh: bool = False) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True if written.

    An existing file is replaced by rename when ``atomic`` (or when it has other hard links,
    which an in-place write would change too), else overwritten in place. A new file is
    written in place: nobody can be reading an old version of it, and it saves two operations
    on its folder, which two workers writing thousands of files contend for. ``fresh``: the
    file is most likely new (a first build): create it without asking first.
    """
    if fresh and _write_new(path, data):
        return True
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if _write_new(path, data):
            return True
    else:
        if info.st_size == len(data) and read_whole(path) == data:
            return False
        if not atomic and info.st_nlink == 1:
            _overwrite(path, data)
            return True
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def read_whole(path: Path | str) -> bytes:
    """A file's bytes in four system calls (open, read, read, close), not `Path.read_bytes`'s
    eight: a build reads each post twice and each post document once."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _overwrite(path: Path | str, data: bytes) -> None:
    """New bytes over the old, then cut to length: the file is never empty meanwhile."""
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


_FOLDERS: set[str] = set()  # folders this process made or saw, so it asks the disk once


def _write_new(path: Path | str, data: bytes) -> bool:
    """Create ``path`` with ``data``; False if it appeared meanwhile (replace it instead)."""
    folder = os.path.dirname(path)
    for attempt in (1, 2):
        if folder not in _FOLDERS or attempt == 2:
            _make_folder(folder)
            _FOLDERS.add(folder)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            return False
        except FileNotFoundError:  # the folder was removed since we saw it
            _FOLDERS.discard(folder)
            continue
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        return True
    raise FileNotFoundError(path)


def _make_folder(folder: str) -> None:
    """`os.makedirs(folder, exist_ok=True)` in one system call when the parent exists (a
    post's folder: thousands in a first build), not a stat and then a mkdir."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def copy_if_changed(source: Path, target: Path) -> bool:
    """Copy a static file, keeping its mtime; skip when size and mtime already match."""
    info = source.stat()
    try:
        have = target.stat()
        if have.st_size == info.st_size and have.st_mtime_ns == info.st_mtime_ns:
            return False
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    import shutil  # only when a static file changed

    shutil.copy2(source, tmp)
    os.replace(tmp, target)
    return True


def remove_output(out_dir: Path, relative: str) -> None:
    """Delete a file the build no longer produces, and its folder if now empty."""
    path = out_dir / relative
    try:
        path.unlink()
    except FileNotFoundError:
        return
    parent = path.parent
    while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def read_json_object(path: Path, shape: str) -> dict[str, Any]:
    """A site data file holding one JSON object; {} when it does not exist yet. Anything else
    is one clear error naming the file and the ``shape`` it must have."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise FedipressError(f"not valid JSON: {exc}", path=str(path)) from None
    if not isinstance(data, dict):
        raise FedipressError(f"must be {shape}", path=str(path))
    return data
