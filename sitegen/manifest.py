"""The build manifest in `<site>/.fedipress-cache/`: what was built from which inputs.

This module is the fast path of a no-change rebuild, so it imports only msgspec and the
standard library: it decides "nothing to do" from `stat()` calls alone, without Markdown,
Jinja2 or the config parser.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec

MANIFEST_NAME = "manifest.json"
FORMAT = 1


class PostRecord(msgspec.Struct, kw_only=True):
    """One source file and what its last render produced (enough for listings)."""

    source: str  # file name inside content/posts/
    mtime_ns: int
    size: int
    sha: str
    slug: str = ""
    title: str | None = None
    published: str = ""
    updated: str | None = None
    tags: list[str] = []
    pinned: bool = False
    draft: bool = False
    written: bool = False  # False while a draft or dated in the future
    slug_line: int = 1
    content_warning: str | None = None
    excerpt_html: str = ""
    digest: str = ""  # hash of the page and document bytes: listings change when it does
    interactions: str = ""  # hash of this post's entry in data/interactions.json


class Manifest(msgspec.Struct, kw_only=True):
    format: int = FORMAT
    version: str
    options: str  # output folder and --base-url of the build it describes
    global_key: str  # config, templates, keys, fedipress version
    stamps: dict[str, tuple[int, int]]  # input path -> (mtime_ns, size); folders too
    posts: dict[str, PostRecord]
    pages: dict[str, str]  # output path -> key of the inputs it was rendered from
    next_due: float | None = None  # when a future-dated post becomes due


def manifest_path(site_root: Path) -> Path:
    return site_root / ".fedipress-cache" / MANIFEST_NAME


def load_manifest(site_root: Path) -> Manifest | None:
    try:
        data = manifest_path(site_root).read_bytes()
        manifest = msgspec.json.decode(data, type=Manifest)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return manifest if manifest.format == FORMAT else None


def save_manifest(site_root: Path, manifest: Manifest) -> None:
    path = manifest_path(site_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msgspec.json.encode(manifest))
    os.replace(tmp, path)


MISSING = (-1, -1)


def stamp(path: Path) -> tuple[int, int]:
    """(mtime_ns, size) of a file or folder; MISSING when absent, so appearing is a change."""
    try:
        info = os.stat(path)
    except OSError:
        return MISSING
    return (info.st_mtime_ns, info.st_size)


def options_key(out_dir: Path, base_url: str | None) -> str:
    return f"{out_dir.resolve()}|{base_url or ''}"


def is_up_to_date(site_root: Path, out_dir: Path, base_url: str | None, version: str) -> bool:
    """True when no input changed since the last build: stat-only, no parsing."""
    manifest = load_manifest(site_root)
    if manifest is None or manifest.version != version:
        return False
    if manifest.options != options_key(out_dir, base_url):
        return False
    if manifest.next_due is not None and time.time() >= manifest.next_due:
        return False
    if not (out_dir / "ap" / "actor.json").is_file():
        return False
    for name, recorded in manifest.stamps.items():
        if stamp(site_root / name) != tuple(recorded):
            return False
    posts_dir = site_root / "content" / "posts"
    seen = 0
    try:
        with os.scandir(posts_dir) as entries:
            for entry in entries:
                if not entry.name.endswith(".md") or not entry.is_file():
                    continue
                record = manifest.posts.get(entry.name)
                if record is None:
                    return False
                info = entry.stat()
                if info.st_mtime_ns != record.mtime_ns or info.st_size != record.size:
                    return False
                seen += 1
    except FileNotFoundError:
        return not manifest.posts
    return seen == len(manifest.posts)
