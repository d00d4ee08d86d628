"""The build manifest in `<site>/.fedipress-cache/`: what was built from which inputs.

This module is the fast path of a no-change rebuild, so it imports only msgspec and the
standard library: it decides "nothing to do" from `stat()` calls alone, without Markdown,
Jinja2 or the config parser.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_module
import time
from collections.abc import Iterable
from pathlib import Path

import msgspec

MANIFEST_NAME = "manifest.msgpack"  # MessagePack: ~3x faster to read and write than JSON
STAMPS_NAME = "stamps.msgpack"
FORMAT = 7  # 7: posts record the handles they mention, and the outputs are stat-checked
# A random token the build writes into the output folder and records in the manifest: an
# output folder deleted or replaced since (``rm -rf _site``) no longer holds it, and the next
# build renders everything instead of trusting a manifest that describes files now gone.
OUTPUT_TOKEN = "_fedipress/build-token"


class PostRecord(msgspec.Struct, kw_only=True, array_like=True, gc=False):
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
    digest: str = ""  # hash of what the feed and outbox show: card, body HTML and document
    card: str = ""  # hash of what a listing shows (title, date, excerpt, tags ...)
    interactions: str = ""  # hash of this post's entry in data/interactions.json
    mentions: list[str] = []  # handles the post names, lower-cased (publish resolves them)
    mentions_key: str = ""  # hash of their entries in data/mentions.json
    in_reply_to: str | None = None  # an answer: not listed (written and published, though)
    document_size: int = 0  # bytes of its ActivityPub document, as last written
    # the previous/next links its page was rendered with (sitegen.neighbours.Links)
    links: tuple[str | None, str | None, str | None, str | None] | None = None


def card_hash(record: PostRecord) -> str:
    """Hash of what listing pages show of a post."""
    shown = (record.slug, record.title, record.published, record.pinned,
             record.content_warning, record.excerpt_html, record.tags)
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:24]


class Manifest(msgspec.Struct, kw_only=True):
    format: int = FORMAT
    version: str
    options: str  # output folder and --base-url of the build it describes
    global_key: str  # config, templates, keys, fedipress version
    stamps: dict[str, tuple[int, int]]  # input path -> (mtime_ns, size); folders too
    posts: dict[str, PostRecord]
    pages: dict[str, str]  # output path -> key of the inputs it was rendered from
    next_due: float | None = None  # when a future-dated post becomes due
    public_key: tuple[tuple[int, int], str] | None = None  # (key file stamp, public PEM)
    static_files: list[str] = []  # copied from static/ and the theme, relative to the output
    order: list[str] = []  # source names of the published posts, newest first
    output_token: str = ""  # the token written to OUTPUT_TOKEN in the output folder
    outputs: dict[str, tuple[int, int]] = {}  # see output_stamps


class Stamps(msgspec.Struct, kw_only=True, array_like=True):
    """The small file the no-change check reads: just enough to compare `stat()` results."""

    format: int = FORMAT
    version: str
    options: str
    next_due: float | None
    inputs: dict[str, tuple[int, int]]
    posts: dict[str, tuple[int, int]]
    output_token: str = ""
    outputs: dict[str, tuple[int, int]] = {}


PostStamps = dict[str, tuple[int, int]]  # post file name -> (mtime_ns, size)
BUNDLE_INDEX = "index.md"  # the post of a page bundle (as sitegen.posts.BUNDLE_INDEX)


def manifest_path(site_root: Path) -> Path:
    return site_root / ".fedipress-cache" / MANIFEST_NAME


_MANIFEST = msgspec.msgpack.Decoder(Manifest)
_STAMPS = msgspec.msgpack.Decoder(Stamps)


def load_manifest(site_root: Path) -> Manifest | None:
    try:
        manifest = _MANIFEST.decode(manifest_path(site_root).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return manifest if manifest.format == FORMAT else None


def save_manifest(site_root: Path, posts: PostStamps, manifest: Manifest) -> None:
    """Write the manifest, then the stamps summary (last: it is what says "up to date").

    ``posts`` is the scan the build started from (the stamps of ``manifest.posts``)."""
    path = manifest_path(site_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamps = Stamps(version=manifest.version, options=manifest.options,
                    next_due=manifest.next_due, inputs=manifest.stamps, posts=posts,
                    output_token=manifest.output_token, outputs=manifest.outputs)
    for target, data in ((path, manifest), (path.with_name(STAMPS_NAME), stamps)):
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(msgspec.msgpack.encode(data))
        os.replace(tmp, target)


MISSING = (-1, -1)


def stamp(path: Path) -> tuple[int, int]:
    """(mtime_ns, size) of a file or folder; MISSING when absent, so appearing is a change."""
    try:
        info = os.stat(path)
    except OSError:
        return MISSING
    return (info.st_mtime_ns, info.st_size)


def read_output_token(out_dir: Path) -> str:
    """The token the last build left in ``out_dir``, or "" when there is none."""
    try:
        return (out_dir / OUTPUT_TOKEN).read_text("ascii").strip()
    except (OSError, UnicodeError):
        return ""


#: Output folders holding one file per post or per page of posts: their own stamp (a file
#: removed, added or replaced in them changes it) stands for the thousands of files inside.
OUTPUT_FOLDERS = frozenset({"ap/posts", "ap/outbox"})


def output_stamps(out_dir: Path) -> dict[str, tuple[int, int]]:
    """What a no-change build compares in the output: the folder itself, every file and
    folder at its top (`index.html`, `feed.xml`, `posts/` ...), the files one level down
    (`ap/actor.json`, `.well-known/webfinger` ...) and `OUTPUT_FOLDERS`. Some 50 stats, so a
    no-change build stays fast; a file removed inside one post's or tag's folder is not seen
    (`--force` renders everything)."""
    found = {".": stamp(out_dir)}
    try:
        top = list(os.scandir(out_dir))
    except OSError:
        return found
    for entry in top:
        found[entry.name] = stamp(Path(entry.path))
        if not entry.is_dir():
            continue
        with os.scandir(entry.path) as inside:  # is_file() reads the entry type: no stat
            for sub in inside:
                relative = f"{entry.name}/{sub.name}"
                if relative in OUTPUT_FOLDERS or sub.is_file():
                    found[relative] = stamp(Path(sub.path))
    return found


def damaged_outputs(out_dir: Path, recorded: dict[str, tuple[int, int]]) -> set[str]:
    """The recorded output paths whose stat differs now (removed, replaced, edited)."""
    return {path for path, was in recorded.items()
            if stamp(out_dir / path if path != "." else out_dir) != tuple(was)}


def options_key(out_dir: Path, base_url: str | None) -> str:
    return f"{out_dir.resolve()}|{base_url or ''}"


def scan_posts(posts_dir: Path) -> PostStamps:
    """Stat every post file once; the no-change check and the build share the result.

    Posts may sit in subfolders (`2024/x.md`). A folder holding `index.md` is a page bundle:
    that file is the post and every other file in it (not `.md`) is stamped too, under its
    path (`x/photo.jpg`), as a file the build copies beside the post's page. Names starting
    with `.` are skipped."""
    found: PostStamps = {}
    try:
        folder = os.open(posts_dir, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return found
    subfolders = []
    try:  # by folder descriptor: each stat looks up one name, not the whole path
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.endswith(".md") and entry.is_file():
                    info = entry.stat()
                    found[name] = (info.st_mtime_ns, info.st_size)
                elif not name.startswith(".") and entry.is_dir():
                    subfolders.append(name)
    finally:
        os.close(folder)
    for name in subfolders:  # rare: most sites keep every post at the top
        _scan_folder(posts_dir, f"{name}/", found)
    return found


def _scan_folder(posts_dir: Path, prefix: str, found: PostStamps) -> None:
    try:
        entries = [e for e in os.scandir(posts_dir / prefix) if not e.name.startswith(".")]
    except OSError:
        return
    if any(e.name == BUNDLE_INDEX and e.is_file() for e in entries):
        for dirpath, dirnames, filenames in os.walk(posts_dir / prefix):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            relative = os.path.relpath(dirpath, posts_dir).replace(os.sep, "/")
            for filename in filenames:
                if filename.startswith(".") or (filename.endswith(".md")
                                                and filename != BUNDLE_INDEX):
                    continue
                if filename == BUNDLE_INDEX and relative != prefix.rstrip("/"):
                    continue  # a bundle inside a bundle is not a post
                info = os.stat(os.path.join(dirpath, filename))
                found[f"{relative}/{filename}"] = (info.st_mtime_ns, info.st_size)
        return
    for entry in entries:
        if entry.name.endswith(".md") and entry.is_file():
            info = entry.stat()
            found[prefix + entry.name] = (info.st_mtime_ns, info.st_size)
        elif entry.is_dir():
            _scan_folder(posts_dir, f"{prefix}{entry.name}/", found)


def is_post_name(name: str) -> bool:
    """A post's name in a scan (`x.md`, `2024/x.md`, `x/index.md`), not a bundle's file."""
    return name.endswith(".md")


def bundle_of(name: str, posts: Iterable[str]) -> str | None:
    """The `…/index.md` post whose bundle holds the file ``name``, if it is in ``posts``."""
    known = set(posts) if not isinstance(posts, (set, dict)) else posts
    head = name
    while "/" in head:
        head = head.rpartition("/")[0]
        if f"{head}/{BUNDLE_INDEX}" in known:
            return f"{head}/{BUNDLE_INDEX}"
    return None


def rescan(previous: PostStamps, posts_dir: Path, changed: Iterable[str]) -> PostStamps | None:
    """``previous`` brought up to date for the ``changed`` paths a file watcher reported, when
    each is a post file directly in ``posts_dir`` (absolute); None when a full scan is needed.
    `serve --watch` knows what changed, so an edit need not stat every post again."""
    found = dict(previous)
    for path in changed:
        head, _, name = path.rpartition(os.sep)
        if head != str(posts_dir) or not name.endswith(".md"):
            return None
        try:
            info = os.stat(path)
        except OSError:
            found.pop(name, None)
            continue
        if not stat_module.S_ISREG(info.st_mode):
            return None
        found[name] = (info.st_mtime_ns, info.st_size)
    return found


def is_up_to_date(site_root: Path, out_dir: Path, base_url: str | None, version: str,
                  posts: PostStamps | None = None) -> bool:
    """True when no input changed since the last build: stat-only, no parsing.

    ``posts`` is a `scan_posts` result to reuse (the build needs it too when not up to date).
    """
    try:
        stamps = _STAMPS.decode((site_root / ".fedipress-cache" / STAMPS_NAME).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return False
    if stamps.format != FORMAT or stamps.version != version:
        return False
    if stamps.options != options_key(out_dir, base_url):
        return False
    if stamps.next_due is not None and time.time() >= stamps.next_due:
        return False
    if not (site_root / ".keys" / "ed25519.pem").exists():
        return False  # a site built before proofs: the build makes its proof key
    if not stamps.output_token or read_output_token(out_dir) != stamps.output_token:
        return False  # the output folder is not the one the manifest describes
    for name, recorded in stamps.inputs.items():
        if stamp(site_root / name) != tuple(recorded):
            return False
    if posts is None:
        posts = scan_posts(site_root / "content" / "posts")
    if posts != stamps.posts:
        return False
    return not damaged_outputs(out_dir, stamps.outputs)  # removed or edited by hand
