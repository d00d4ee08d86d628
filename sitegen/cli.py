"""The publisher's commands: init, new, keys, build, serve, check.

Imported lazily by `fedipress.cli`; this module itself imports only click and the stat-only
manifest check, so a no-change `fedipress build` never loads Markdown, Jinja2 or crypto.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from fedicore.errors import ConfigError, FedipressError
from fedicore.words import count

DEFAULT_OUT = "_site"
PREVIEW_OUT = ".fedipress-cache/preview"  # `serve` of a public site builds here, not _site


def _version() -> str:
    """The installed fedipress version (part of the cache key), from its dist-info folder name.

    `importlib.metadata` would cost ~30 ms of imports on every build, a tenth of a rebuild."""
    for entry in sys.path:
        if not entry.endswith("-packages"):
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            found = name[len("fedipress-"):-len(".dist-info")]
            if name.startswith("fedipress-") and name.endswith(".dist-info") and \
                    found[:1].isdigit():
                return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fedipress")
    except PackageNotFoundError:
        return "0+unknown"


def run_build(root: Path, out: Path | None = None, *, base_url: str | None = None,
              quiet: bool = False, force: bool = False, jobs: int | None = None,
              posts: dict[str, tuple[int, int]] | None = None,
              drafts: bool = False) -> dict[str, tuple[int, int]]:
    """Build ``root`` into ``out``; prints a one-line summary unless quiet. ``posts``: the
    post files' stamps when the caller knows them (`serve --watch`); returns those used."""
    from sitegen.manifest import is_up_to_date, scan_posts

    started = time.perf_counter()
    out_dir = out or root / DEFAULT_OUT
    version = _version()
    if posts is None:
        posts = scan_posts(root / "content" / "posts")
    if not force and not drafts and is_up_to_date(root, out_dir, base_url, version, posts):
        if not quiet:
            click.echo(f"up to date ({time.perf_counter() - started:.2f}s): {out_dir}")
        return posts
    from sitegen.build import build_site

    with _progress(quiet) as progress:
        report = build_site(root, out_dir, version=version, base_url=base_url,
                            progress=progress, force=force, jobs=jobs, posts=posts,
                            drafts=drafts)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.new_key and not quiet:
        click.echo(f"made a new actor key pair: {root / '.keys' / 'private.pem'} (keep it secret)")
    if not quiet:
        notes = [f"{count(report.drafts, 'draft')} skipped"] if report.drafts else []
        if report.scheduled:
            notes.append(f"{count(report.scheduled, 'post')} dated in the future, not yet built")
        skipped = "".join(f"; {note}" for note in notes)
        click.echo(f"built {count(report.posts, 'post')} ({report.written} rendered, "
                   f"{count(report.pages, 'listing page')}{skipped}) in "
                   f"{time.perf_counter() - started:.2f}s: {out_dir}")
    return posts


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=True)
        self.bar.start()
        task = self.bar.add_task("rendering posts", total=None)

        def advance(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)

        return advance

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


site_argument = click.argument("directory", default=".", type=click.Path(file_okay=False,
                                                                          path_type=Path))


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="Where the site will live: https://your.domain (no path).")
@click.option("--username", default="me", show_default=True,
              help="The `me` in @me@your.domain: a-z, 0-9, _.")
@click.option("--display-name", default="", help="The account's name [default: the username].")
@click.option("--inbox-url", default="http://127.0.0.1:8080", show_default=True,
              help="Where `fedipress inbox serve` will answer.")
def init_command(directory: Path, base_url: str, username: str, display_name: str,
                 inbox_url: str) -> None:
    """Create a new site folder with a config and a first post."""
    from sitegen.scaffold import init_site

    init_site(directory, base_url=base_url, username=username,
              display_name=display_name or username, inbox_url=inbox_url)
    click.echo(f"created {directory}; next: fedipress build {directory}")


@click.command("new")
@click.argument("title")
@click.option("--site", "site_dir", default=".", type=click.Path(file_okay=False, path_type=Path),
              help="The site folder [default: the current folder].")
@click.option("--publish", is_flag=True, help="Not a draft: built on the next build.")
def new_command(title: str, site_dir: Path, publish: bool) -> None:
    """Start a new post (a draft unless --publish); an empty TITLE makes a short note."""
    from sitegen.scaffold import new_post

    path = new_post(site_dir, title, draft=not publish)
    click.echo(str(path))


@click.command("keys")
@site_argument
@click.option("--force", is_flag=True, help="Replace an existing key (followers must refetch).")
@click.option("--proof", is_flag=True,
              help="The Ed25519 key of object integrity proofs instead (docs/signatures.md).")
def keys_command(directory: Path, force: bool, proof: bool) -> None:
    """Make the blog actor's RSA-2048 key pair in DIRECTORY/.keys/ (mode 600)."""
    from fedicore.keys import generate_ed25519_keypair, generate_rsa_keypair, write_private_key
    from sitegen.config import CONFIG_NAME

    if not (directory / CONFIG_NAME).is_file():
        raise ConfigError(f"no {CONFIG_NAME} here (run `fedipress init {directory}`)",
                          path=str(directory))
    path = directory / ".keys" / ("ed25519.pem" if proof else "private.pem")
    if path.exists() and not force:
        raise FedipressError("a key already exists (use --force to replace it)", path=str(path))
    private_pem, _public = generate_ed25519_keypair() if proof else generate_rsa_keypair(2048)
    write_private_key(path, private_pem)
    click.echo(f"wrote {path}")


@click.command("build")
@site_argument
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help=f"Output folder [default: DIRECTORY/{DEFAULT_OUT}].")
@click.option("--base-url", help="Override base_url (e.g. for a preview deploy).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing unless something fails.")
@click.option("--force", is_flag=True, help="Ignore the cache and render everything.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes.")
def build_command(directory: Path, out: Path | None, base_url: str | None, quiet: bool,
                  force: bool, jobs: int | None) -> None:
    """Build the HTML pages and ActivityPub documents."""
    run_build(directory, out, base_url=base_url, quiet=quiet, force=force, jobs=jobs)


@click.command("serve")
@site_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--watch", is_flag=True, help="Rebuild when a file in the site changes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Build and serve this folder [default: DIRECTORY/_site, or "
                   f"DIRECTORY/{PREVIEW_OUT} when base_url is public or with --drafts].")
@click.option("--drafts", is_flag=True,
              help="Preview drafts too (built into .fedipress-cache/preview, never _site).")
def serve_command(directory: Path, host: str, port: int, watch: bool, out: Path | None,
                  drafts: bool) -> None:
    """Build, then serve the site with the content types the fediverse expects.

    The site is built for the address it is served at, so every link and ActivityPub id
    answers. A site whose base_url is public (https://blog.example) is built into
    DIRECTORY/.fedipress-cache/preview for this: DIRECTORY/_site stays as published."""
    from sitegen.config import load_site
    from sitegen.serve import serve

    if port == 0:
        port = _free_port(host)
    site_url = load_site(directory).base_url
    base_url = served_base_url(site_url, host, port)
    public = not is_local_url(site_url)
    out_dir = out or directory / (PREVIEW_OUT if public or drafts else DEFAULT_OUT)
    if public:
        click.echo(f"previewing {site_url} as {base_url}, built into {out_dir} "
                   f"({DEFAULT_OUT}/ is left as published)")
    elif base_url:
        click.echo(f"building for {base_url} (base_url is local; ids must match where it is "
                   f"served)")
    known: dict[str, tuple[int, int]] | None = run_build(directory, out_dir, base_url=base_url,
                                                         drafts=drafts)
    posts_dir = (directory / "content" / "posts").resolve()

    def rebuild(changed: set[str]) -> None:
        nonlocal known
        from sitegen.manifest import rescan

        # None: something besides posts changed, or the last rebuild failed (its scan is not
        # trusted: a post that broke it must be read again even if the watcher does not name it)
        posts = rescan(known, posts_dir, changed) if known is not None else None
        known = None
        known = run_build(directory, out_dir, base_url=base_url, quiet=True, posts=posts,
                          drafts=drafts)

    serve(out_dir, host, port, rebuild=rebuild if watch else None,
          watch_dir=directory.resolve() if watch else None)


LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})


def is_local_url(url: str) -> bool:
    """Whether ``url``'s host is this machine (localhost, a loopback or any address)."""
    from ipaddress import ip_address
    from urllib.parse import urlsplit

    configured = (urlsplit(url).hostname or "").lower()
    try:
        return configured in LOCAL_NAMES or ip_address(configured).is_loopback
    except ValueError:
        return False


def served_base_url(base_url: str, host: str, port: int) -> str | None:
    """The base URL to build with when serving at host:port; None keeps the configured one.

    A public base_url is replaced too: the preview must link to itself, not to the real
    site. Listening on every address (0.0.0.0, ::) is reached through loopback."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    configured = (parts.hostname or "").lower()
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host).lower()
    same_host = configured == shown or (configured == "localhost" and shown in ("127.0.0.1",
                                                                                 "::1"))
    if is_local_url(base_url) and parts.scheme == "http" and (parts.port or 80) == port \
            and same_host:
        return None  # the configured URL already answers
    netloc = f"[{shown}]" if ":" in shown else shown
    return f"http://{netloc}:{port}" if port != 80 else f"http://{netloc}"


def _free_port(host: str) -> int:
    """A port free right now on ``host`` (for --port 0: the build must know it first)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, 0))
        except OSError as exc:
            raise FedipressError(f"cannot listen on {host}: {exc.strerror or exc}") from None
        return probe.getsockname()[1]


@click.command("check")
@click.argument("target")
@click.pass_context
def check_command(ctx: click.Context, target: str) -> None:
    """Check a built folder or a URL the way Mastodon would see it."""
    from sitegen.check import run_check

    ctx.exit(run_check(target))
