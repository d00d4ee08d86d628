"""`fedipress build`: from a site folder to the output folder, doing only the work needed.

Order: config and keys -> decide which posts changed (stat, then content hash) -> render those
on all cores -> plan listing pages (only those showing the changed posts when no post moved)
and render the ones whose inputs changed, on the same worker pool when many -> discovery
documents, static files, content-type files -> save the manifest. The no-change case never
reaches this module (see `sitegen.manifest.is_up_to_date`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import time
from collections.abc import Callable
from operator import attrgetter
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import msgspec

from fedicore.errors import FedipressError
from sitegen import content_types, tombstones
from sitegen.config import CONFIG_NAME, load_site
from fedicore import integrity
from sitegen.federation import ensure_keys, site_documents, theme_assets
from sitegen.proofs import ensure_proof_key
from sitegen.listings import Layout, PageJob, pack_jobs, write_pages, write_pages_in_worker
from sitegen.mentions import load_targets, mentions_key
from sitegen.neighbours import with_links
from sitegen.manifest import (OUTPUT_TOKEN, Manifest, PostRecord, PostStamps, bundle_of,
                              damaged_outputs, is_post_name, load_manifest, options_key,
                              output_stamps, read_output_token, save_manifest, scan_posts,
                              stamp)
from sitegen.output import copy_if_changed, remove_output, write_if_changed
from sitegen.render import (PostRenderer, SourceFile, inherit_renderer, init_worker,
                            published_before, render_chunk)
from sitegen.theme import TEMPLATES_DIR

Progress = Callable[[int, int], None]  # (done, total)
PARALLEL_THRESHOLD = 64  # posts
PARALLEL_PAGES = 200  # listing pages
LISTING_TEMPLATES = ("index.html", "tag.html", "tags.html", "feed.xml")  # sitegen.listings
BULK = 200  # posts re-rendered: more, and existing files are rewritten in place


@dataclass
class BuildReport:
    posts: int = 0  # published posts in the output
    rendered: int = 0  # posts parsed and rendered this time (drafts included)
    written: int = 0  # of those, posts whose page and document were written (no drafts)
    drafts: int = 0  # drafts in content/posts/, never built
    scheduled: int = 0  # posts dated in the future, built once their date has come
    pages: int = 0  # listing pages rendered this time
    new_key: bool = False
    warnings: list[str] = field(default_factory=list)  # one line each, shown on stderr
    up_to_date: bool = False
    seconds: float = 0.0


def build_site(root: Path, out_dir: Path, *, version: str, base_url: str | None = None,
               progress: Progress | None = None, force: bool = False,
               jobs: int | None = None, now: float | None = None,
               posts: PostStamps | None = None, drafts: bool = False) -> BuildReport:
    """Build ``root`` into ``out_dir``; raises ``FedipressError`` on a user's mistake.

    ``posts`` is the caller's `scan_posts` of the site, when it already made one."""
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of long-lived records: full collections cost 100s of ms
    try:
        return _build(root, out_dir, version=version, base_url=base_url, progress=progress,
                      force=force, jobs=jobs, now=now, posts=posts, drafts=drafts)
    except jinja2.TemplateError as exc:  # the author's own templates/ (or a theme edit)
        raise template_mistake(exc) from None
    finally:
        if enabled:
            gc.enable()


def _empty_folder(path: Path) -> bool:
    """No such folder, or nothing in it (a first build writes without looking first)."""
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True


def template_mistake(exc: jinja2.TemplateError) -> FedipressError:
    """One line naming the template, its line when known, and what Jinja said."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.name:
        return FedipressError(f"template error: {exc.message}", path=f"templates/{exc.name}",
                              line=exc.lineno)
    if isinstance(exc, jinja2.TemplateNotFound):
        return FedipressError(f"template not found: {exc.name}")
    return FedipressError(f"template error: {exc.message or type(exc).__name__}")


def _build(root: Path, out_dir: Path, *, version: str, base_url: str | None,
           progress: Progress | None, force: bool, jobs: int | None,
           now: float | None, posts: PostStamps | None, drafts: bool = False) -> BuildReport:
    started = time.perf_counter()
    now = time.time() if now is None else now
    site = load_site(root, base_url=base_url)
    stamps = input_stamps(root)
    old = load_manifest(root)
    key_stamp = stamp(site.key_path)
    if old and old.public_key and tuple(old.public_key[0]) == key_stamp:
        public_pem, new_key = old.public_key[1], False  # parsing an RSA key costs ~80 ms
    else:
        public_pem, new_key = ensure_keys(site)
        key_stamp = stamp(site.key_path)
    stamps[".keys/private.pem"] = key_stamp
    proof_key, new_proof_key = ensure_proof_key(site)  # Ed25519: cheap to load
    stamps[".keys/ed25519.pem"] = stamp(site.proof_key_path)
    multikey = integrity.multikey(proof_key.public_key())
    options = options_key(out_dir, base_url)
    global_key = _hash(version, options, drafts, (root / CONFIG_NAME).read_bytes(), public_pem,
                       multikey,  # every proof changes with the key
                       (root / "content" / "about.md").is_file(),  # the nav on every page
                       sorted((k, v) for k, v in stamps.items() if "templates" in k))
    # The output holds the token of the build that wrote it; any other (deleted, emptied, an
    # old copy restored) cannot be trusted to hold what the manifest says: render everything.
    on_disk = read_output_token(out_dir)
    foreign = old is None or not on_disk or on_disk != old.output_token \
        or os.path.exists(out_dir / UNFINISHED)
    full = force or foreign or old.global_key != global_key
    # outputs removed or edited by hand since (a stat of the top ones): look at every output
    repair = not full and bool(damaged_outputs(out_dir, old.outputs))
    old_posts = old.posts if old else {}
    old_pages = {} if (old is None or full) else old.pages
    interactions = load_interactions(site.interactions_path)
    mention_targets = load_targets(root)

    if posts is None:
        posts = scan_posts(site.content_dir)
    records: dict[str, PostRecord] = {}
    to_render: list[SourceFile] = []
    for name, (mtime_ns, size) in posts.items():
        if not is_post_name(name):
            continue  # a file of a page bundle: copied below
        record = None if full else old_posts.get(name)
        if record is not None and _reusable(record, mtime_ns, size, site, interactions, now) \
                and mentions_key(record.mentions, mention_targets) == record.mentions_key \
                and not (repair and record.written and not _outputs_exist(out_dir, record)):
            record.mtime_ns, record.size = mtime_ns, size
            records[name] = record
        else:
            to_render.append(SourceFile(name, mtime_ns, size))

    # many files rewritten: in place, as renaming thousands of files is slow (sitegen.output)
    renderer = PostRenderer(site, out_dir, atomic=not (full or len(to_render) > BULK),
                            drafts=drafts, fresh=full and _empty_folder(out_dir))
    with Workers(renderer, jobs, base_url) as workers:
        to_render = with_links(renderer, workers, to_render, records,
                               {} if full else old_posts, now)
        if to_render:  # a build that stops part way leaves it: the next one renders all
            _mark_unfinished(out_dir)
        for result in _render_all(renderer, workers, to_render, now, interactions, progress):
            if isinstance(result, str):
                raise FedipressError(result)
            records[result.source] = result

        rendered = [records[source.name] for source in to_render]
        warnings = oversized_documents(out_dir, rendered)
        unmoved = None if full or repair or old is None else _unmoved(old, records, rendered)
        buried = tombstones.load_registry(root)
        if unmoved is not None:  # no post moved, came or left: plan only the pages showing them
            published = unmoved
            plans = Layout(site, published, global_key).pages_showing(rendered)
            pages = dict(old_pages)
        else:
            _check_unique_slugs(records)
            published = sorted([r for r in records.values() if _listed(r)],
                               key=attrgetter("published", "slug"), reverse=True)
            plans = Layout(site, published, global_key).all_pages()
            pages = {}
            live = {r.slug for r in records.values() if r.written}
            for record in old_posts.values():
                if record.written and record.slug not in live:
                    remove_output(out_dir, f"posts/{record.slug}/index.html")
                    if record.draft:  # a previewed draft was never published: no Tombstone
                        remove_output(out_dir, f"ap/posts/{record.slug}.json")
                    else:
                        tombstones.bury(buried, out_dir, record.slug, now)
        waiting = [r for r in records.values() if not r.draft and not r.written]
        next_due = min((_timestamp(r.published) for r in waiting), default=None)

        pages.update((plan.path, plan.key) for plan in plans)
        prefix = f"{out_dir}{os.sep}"  # plain strings: 1,000s of pages, pathlib is slow here
        damaged = damaged_outputs(out_dir, old.outputs) if repair else set()
        pending = [plan for plan in plans if old_pages.get(plan.path) != plan.key
                   or not os.path.isfile(prefix + plan.path) or plan.path in damaged]
        finish_pages = _render_pages(renderer, workers, pending)
        for path in set(old.pages if old else ()) - set(pages):
            remove_output(out_dir, path)

        discovery = site_documents(renderer, public_pem, post_count=len(published),
                                   version=version, proof_key=proof_key)
        for path, data in discovery.items():
            write_if_changed(out_dir / path, data)
        if "about/index.html" not in discovery:
            remove_output(out_dir, "about/index.html")
        static_files = copy_static(site.static_dir, out_dir)
        static_files += copy_bundle_files(site.content_dir, out_dir, posts, records)
        for path in set(old.static_files if old else ()) - set(static_files):
            remove_output(out_dir, path)
        gone = tombstones.settle(site, out_dir, buried, {r.slug for r in published})
        stamps[str(tombstones.REGISTRY)] = stamp(root / tombstones.REGISTRY)
        write_server_files(out_dir, content_types.HostRules(site.acct, tuple(gone)))
        token = output_token(global_key, records)
        write_if_changed(out_dir / OUTPUT_TOKEN, token.encode("ascii"))
        finish_pages()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out_dir / UNFINISHED)

    outputs = output_stamps(out_dir)  # last: every file of this build is written
    save_manifest(root, posts, Manifest(
        version=version, options=options, global_key=global_key, stamps=stamps, posts=records,
        pages=pages, next_due=next_due, public_key=(key_stamp, public_pem),
        static_files=static_files, order=[r.source for r in published], output_token=token,
        outputs=outputs))
    drafts = sum(1 for r in records.values() if r.draft)
    return BuildReport(posts=len(published), rendered=len(to_render),
                       written=sum(1 for r in rendered if r.written),
                       pages=len(pending), drafts=drafts,
                       scheduled=sum(1 for r in records.values() if not r.written) - drafts,
                       new_key=new_key or new_proof_key, warnings=warnings, seconds=time.perf_counter() - started)


_PLACE = attrgetter("slug", "published", "written", "pinned", "tags",
                    "in_reply_to")  # what fixes where a post is


def _listed(record: PostRecord) -> bool:
    """Shown in listings: written, and not an answer to someone (those live in threads)."""
    return record.written and not record.in_reply_to


def _unmoved(old: Manifest, records: dict[str, PostRecord],
             rendered: list[PostRecord]) -> list[PostRecord] | None:
    """The posts newest first, taken from the last build, if no post moved, came or left."""
    if records.keys() != old.posts.keys() or len(rendered) > 100:
        return None
    for record in rendered:
        if _PLACE(record) != _PLACE(old.posts[record.source]):
            return None
    try:
        newest_first = [records[name] for name in old.order]
    except KeyError:
        return None
    if len(newest_first) != sum(1 for r in records.values() if _listed(r)):
        return None
    return newest_first


def oversized_documents(out_dir: Path, rendered: list[PostRecord]) -> list[str]:
    """A warning for each just-rendered post whose ActivityPub document servers would refuse."""
    from sitegen.site_checks import MAX_DOCUMENT_BYTES

    warnings = []
    for record in rendered:
        if not record.written:
            continue
        size = record.document_size  # as its worker wrote it: no stat of 10,000 files
        if size > MAX_DOCUMENT_BYTES:
            warnings.append(f"content/posts/{record.source}: its ActivityPub document is "
                            f"{size / 1e6:.1f} MB; servers refuse documents over 1 MB, so "
                            "followers will not see it: shorten or split the post")
    return warnings


def _outputs_exist(out_dir: Path, record: PostRecord) -> bool:
    prefix = f"{out_dir}{os.sep}"
    return os.path.isfile(f"{prefix}posts{os.sep}{record.slug}{os.sep}index.html") and \
        os.path.isfile(f"{prefix}ap{os.sep}posts{os.sep}{record.slug}.json")


def _reusable(record: PostRecord, mtime_ns: int, size: int, site, interactions: dict,
              now: float) -> bool:
    """An unchanged source whose last render is still right (not newly due, same replies)."""
    if record.mtime_ns != mtime_ns or record.size != size:
        raw = (site.content_dir / record.source).read_bytes()
        if hashlib.sha256(raw).hexdigest() != record.sha:
            return False
    if not record.draft and not record.written and published_before(record, now):
        return False
    if not interactions:
        return record.interactions == ""
    entry = interactions.get(record.slug) or interactions.get(site.post_id(record.slug))
    expected = hashlib.sha256(msgspec.json.encode(entry)).hexdigest() if entry else ""
    return expected == record.interactions


class Workers:
    """A process pool started on first use and shared by posts and listing pages."""

    def __init__(self, renderer: PostRenderer, jobs: int | None, base_url: str | None) -> None:
        self.renderer = renderer
        self.count = jobs or len(os.sched_getaffinity(0))
        self.base_url = base_url
        self._pool = None

    def worth_it(self, tasks: int, threshold: int) -> bool:
        return self.count > 1 and tasks >= threshold

    def pool(self):
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor  # only a big build pays for it

            import multiprocessing

            if multiprocessing.get_start_method() == "fork":  # Linux: workers inherit it all
                _compile_listing_templates(self.renderer.env)  # once here, not in each worker
                self._pool = ProcessPoolExecutor(
                    max_workers=self.count, mp_context=multiprocessing.get_context("fork"),
                    initializer=inherit_renderer, initargs=(self.renderer,))
                return self._pool
            site = self.renderer.site
            self._pool = ProcessPoolExecutor(
                max_workers=self.count, initializer=init_worker,
                initargs=(str(site.root), str(self.renderer.out), self.base_url,
                          self.renderer.atomic, self.renderer.drafts))
        return self._pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _compile_listing_templates(env: jinja2.Environment) -> None:
    for name in LISTING_TEMPLATES:
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass  # said where the page is rendered, as before


def _render_all(renderer: PostRenderer, workers: Workers, sources: list[SourceFile],
                now: float, interactions: dict, progress: Progress | None):
    total = len(sources)
    if progress:
        progress(0, total)
    if not workers.worth_it(total, PARALLEL_THRESHOLD):
        for done, source in enumerate(sources, start=1):
            yield from render_chunk_here(renderer, [source], now, interactions)
            if progress and (done % 50 == 0 or done == total):
                progress(done, total)
        return
    size = max(25, min(200, total // (workers.count * 16) or 1))  # small tail: no idle core
    chunks = [sources[i:i + size] for i in range(0, total, size)]
    done = 0
    results = workers.pool().map(render_chunk, chunks, [now] * len(chunks),
                                 [interactions] * len(chunks))
    for chunk, rendered in zip(chunks, results):
        done += len(chunk)
        if progress:
            progress(done, total)
        yield from rendered


def _render_pages(renderer: PostRenderer, workers: Workers,
                  jobs: list[PageJob]) -> Callable[[], None]:
    """Start rendering listing pages (on the workers when many); returns the wait.

    A new post shifts every index page: that many files are rewritten in place."""
    atomic = renderer.atomic and len(jobs) <= BULK
    if not workers.worth_it(len(jobs), PARALLEL_PAGES):
        write_pages(renderer, jobs, atomic=atomic)
        return lambda: None
    size = max(10, len(jobs) // (workers.count * 6))
    pool = workers.pool()
    futures = [pool.submit(write_pages_in_worker, pack_jobs(jobs[i:i + size]), atomic)
               for i in range(0, len(jobs), size)]

    def wait() -> None:
        for future in futures:
            future.result()  # re-raises a worker's error here

    return wait


def render_chunk_here(renderer: PostRenderer, chunk: list[SourceFile], now: float,
                      interactions: dict):
    for source in chunk:
        try:
            yield renderer.render(source, now, interactions)
        except FedipressError as exc:
            yield str(exc)


def _check_unique_slugs(records: dict[str, PostRecord]) -> None:
    if len({record.slug for record in records.values()}) == len(records):
        return  # the usual case, found fast; below, which file came first
    owners: dict[str, str] = {}
    for name in sorted(records):
        record = records[name]
        first = owners.setdefault(record.slug, name)
        if first != name:
            raise FedipressError(
                f"slug {record.slug!r} is also used by content/posts/{first}",
                path=f"content/posts/{name}", line=record.slug_line)


def input_stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Every input besides the posts, with folders (a new file changes its folder's mtime)."""
    stamps = {CONFIG_NAME: stamp(root / CONFIG_NAME),
              "data/interactions.json": stamp(root / "data" / "interactions.json"),
              "data/followers.json": stamp(root / "data" / "followers.json"),
              "data/mentions.json": stamp(root / "data" / "mentions.json"),
              "data/tombstones.json": stamp(root / "data" / "tombstones.json"),
              "content/about.md": stamp(root / "content" / "about.md"),
              "content/posts": stamp(root / "content" / "posts")}
    for folder in (root / "templates", root / "static", TEMPLATES_DIR):
        stamps[str(folder.relative_to(root) if folder.is_relative_to(root) else folder)] = \
            stamp(folder)
        for dirpath, _dirnames, filenames in os.walk(folder):
            base = Path(dirpath)
            for name in [".", *filenames]:
                path = (base / name) if name != "." else base
                key = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
                stamps[key] = stamp(path)
    return stamps


def copy_static(static_dir: Path, out_dir: Path) -> list[str]:
    """Theme assets, then the site's own static/ (which may replace them); returns the paths."""
    own = {str(p.relative_to(static_dir)): p for p in static_dir.rglob("*") if p.is_file()} \
        if static_dir.is_dir() else {}
    for path, relative in theme_assets():
        if relative not in own:
            copy_if_changed(path, out_dir / relative)
    for relative, path in own.items():
        copy_if_changed(path, out_dir / relative)
    return sorted(own.keys() | {relative for _path, relative in theme_assets()})


def copy_bundle_files(content_dir: Path, out_dir: Path, posts: PostStamps,
                      records: dict[str, PostRecord]) -> list[str]:
    """Copy each page bundle's files (`content/posts/x/photo.jpg`) beside its published
    post's page (`posts/<slug>/photo.jpg`); returns the output paths."""
    copied = []
    for name in posts:
        if is_post_name(name):
            continue
        owner = bundle_of(name, posts)
        record = records.get(owner) if owner else None
        if record is None or not record.written:
            continue  # a draft's or future post's pictures are not published either
        relative = f"posts/{record.slug}/{name[len(owner) - len('index.md'):]}"
        copy_if_changed(content_dir / name, out_dir / relative)
        copied.append(relative)
    return copied


def write_server_files(out_dir: Path, rules: content_types.HostRules) -> None:
    """Rules for hosts: `_headers` + `_redirects` (Netlify, Cloudflare Pages), nginx, Caddy,
    Apache `.htaccess`; and the list of deleted posts `fedipress serve` answers 410 for."""
    from sitegen.host_rules import GONE_LIST

    write_if_changed(out_dir / "_headers", content_types.headers_file().encode())
    write_if_changed(out_dir / "_redirects", content_types.redirects_file(rules).encode())
    write_if_changed(out_dir / ".htaccess", content_types.htaccess(rules).encode())
    write_if_changed(out_dir / "_fedipress" / "nginx.conf",
                     content_types.nginx_snippet(rules).encode())
    write_if_changed(out_dir / "_fedipress" / "Caddyfile",
                     content_types.caddy_snippet(rules).encode())
    write_if_changed(out_dir / GONE_LIST, "".join(f"{slug}\n" for slug in rules.gone).encode())


def load_interactions(path: Path) -> dict:
    """`data/interactions.json` (written by a later `fedipress pull`): post slug or id -> data."""
    try:
        data = msgspec.json.decode(path.read_bytes())
    except FileNotFoundError:
        return {}
    except msgspec.DecodeError as exc:
        raise FedipressError(f"not valid JSON: {exc}", path=str(path)) from None
    if not isinstance(data, dict):
        raise FedipressError("must be a JSON object keyed by post slug", path=str(path))
    return data


#: Present while a build that renders posts runs: pages it rewrote (a neighbour's links, say)
#: may show what it never finished, and the manifest still describes the build before.
UNFINISHED = "_fedipress/build-unfinished"


def _mark_unfinished(out_dir: Path) -> None:
    marker = out_dir / UNFINISHED
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def output_token(global_key: str, records: dict[str, PostRecord]) -> str:
    """What the output holds, in 32 hex characters: the same for the same site, different once
    any post's page, document or listing entry changed (~3 ms at 10,000 posts)."""
    digest = hashlib.sha256(global_key.encode())
    for name in sorted(records):
        record = records[name]
        digest.update(f"\n{name}\t{record.digest}\t{record.card}\t{record.written}\t"
                      f"{record.interactions}\t{record.links}".encode())
    return digest.hexdigest()[:32]


def _hash(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _timestamp(iso_time: str) -> float:
    import datetime as dt
    return dt.datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp()
