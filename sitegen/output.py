"""Writing the output folder: atomic, and only when the bytes changed.

An unchanged file keeps its mtime, so rsync, CDNs and `fedipress serve --watch` see only
real changes; a reader never sees a half-written file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


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
