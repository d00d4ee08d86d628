"""Listing pages: planned as data, rendered the same in the parent or in worker processes."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from fedicore import documents
from fedicore.vocab import PUBLIC
from sitegen import build as build_module
from sitegen.build import build_site
from sitegen.config import load_site
from sitegen.listings import create_item, pack_jobs, plan_pages, render_page, unpack_jobs
from sitegen.manifest import load_manifest
from sitegen.render import PostRenderer, json_bytes


def _bulk_posts(site: Path, count: int) -> None:
    for n in range(count):
        (site / f"content/posts/bulk-{n:03}.md").write_text(
            f"+++\ntitle = 'Bulk {n}'\ndate = 2023-01-01T00:{n // 60:02}:{n % 60:02}Z\n"
            f"tags = ['bulk', 'b{n % 4}']\n+++\nPost number {n} with #tag{n % 3}.\n", "utf-8")


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_create_item_splices_the_same_json_as_create_activity(built):
    for path in sorted((built.out / "ap" / "posts").glob("*.json")):
        raw = path.read_bytes()
        if b'"Tombstone"' in raw:  # a deleted post is never in the outbox
            continue
        assert json_bytes(create_item(raw)) == \
            json_bytes(documents.create_activity(msgspec.json.decode(raw))), path.name


def test_create_item_of_a_document_without_leading_context_falls_back():
    doc = {"id": "https://b.example/ap/posts/x.json", "type": "Note",
           "attributedTo": "https://b.example/ap/actor.json", "published": "2024-01-01T00:00:00Z",
           "to": [PUBLIC], "cc": ["https://i.example/f"], "content": "<p>x</p>"}
    assert json_bytes(create_item(json_bytes(doc))) == \
        json_bytes(documents.create_activity(doc))


def test_packed_jobs_render_the_same_bytes_as_planned_jobs(built):
    site = load_site(built.site)
    manifest = load_manifest(built.site)
    assert manifest is not None
    newest = sorted((r for r in manifest.posts.values() if r.written),
                    key=lambda r: (r.published, r.slug), reverse=True)
    jobs = plan_pages(site, newest, manifest.global_key)
    renderer = PostRenderer(site, built.out)
    unpacked = unpack_jobs(pack_jobs(jobs))
    assert [j.path for j in unpacked] == [j.path for j in jobs]
    for job, copy in zip(jobs, unpacked):
        assert render_page(renderer, copy) == render_page(renderer, job), job.path
        assert render_page(renderer, job) == (built.out / job.path).read_bytes(), job.path


def test_listing_pages_rendered_by_workers_match_the_serial_build(tmp_path, monkeypatch):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    _bulk_posts(site, 30)
    serial = build_site(site, tmp_path / "serial", version="t", jobs=1)
    monkeypatch.setattr(build_module, "PARALLEL_PAGES", 2)
    monkeypatch.setattr(build_module, "PARALLEL_THRESHOLD", 2)
    parallel = build_site(site, tmp_path / "parallel", version="t", jobs=2, force=True)
    assert serial.pages == parallel.pages > 10
    a, b = _files(tmp_path / "serial"), _files(tmp_path / "parallel")
    assert a.keys() == b.keys()
    for name in a.keys() - {"_fedipress/build-token"}:  # a token of each output folder
        assert a[name].replace(b"serial", b"parallel") == b[name], name


def test_outbox_pages_hold_every_post_oldest_page_first(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    _bulk_posts(site, 45)
    build_site(site, tmp_path / "out", version="t", jobs=1)
    root = msgspec.json.decode((tmp_path / "out/ap/outbox.json").read_bytes())
    seen: list[str] = []
    url = root["last"]
    while url:
        page = msgspec.json.decode(
            (tmp_path / "out" / url.split("/", 3)[3]).read_bytes())
        seen += [item["object"]["published"] for item in page["orderedItems"]][::-1]
        url = page.get("prev")
    assert len(seen) == root["totalItems"]
    assert seen == sorted(seen)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    later = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(later, later))


def _full_plan_keys(site: Path) -> dict[str, str]:
    manifest = load_manifest(site)
    assert manifest is not None
    newest = sorted((r for r in manifest.posts.values() if r.written),
                    key=lambda r: (r.published, r.slug), reverse=True)
    return {j.path: j.key for j in plan_pages(load_site(site), newest, manifest.global_key)}


def _assert_output_complete(site: Path) -> None:
    """A forced full rebuild finds nothing left to change."""
    before = {p: p.stat().st_mtime_ns for p in (site / "_site").rglob("*") if p.is_file()}
    build_site(site, site / "_site", version="t", force=True)
    after = {p: p.stat().st_mtime_ns for p in (site / "_site").rglob("*") if p.is_file()}
    assert before == after


def test_body_edit_plans_only_pages_showing_the_post_yet_all_keys_stay_right(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    _bulk_posts(site, 40)
    build_site(site, site / "_site", version="t")
    _edit(site / "content/posts/bulk-017.md", "Bulk 17'", "Bulk seventeen'")
    _edit(site / "content/posts/bulk-017.md", "Post number 17", "Post seventeen")
    report = build_site(site, site / "_site", version="t")
    # and the two neighbouring posts, whose previous/next links show its title
    assert report.rendered == 3
    # its index page, tags/bulk, tags/b1, tags/tag2, its outbox page (feed: too old)
    assert report.pages == 5
    assert load_manifest(site).pages == _full_plan_keys(site)
    assert "Bulk seventeen" in (site / "_site/tags/b1/index.html").read_text("utf-8")
    _assert_output_complete(site)


def test_moving_a_post_by_date_replans_every_page(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    _bulk_posts(site, 40)
    build_site(site, site / "_site", version="t")
    _edit(site / "content/posts/bulk-003.md", "2023-01-01T00:00:03Z", "2025-06-01T00:00:00Z")
    report = build_site(site, site / "_site", version="t")
    assert report.rendered == 4  # and its old neighbours (2, 4) and the newest post until now
    assert load_manifest(site).pages == _full_plan_keys(site)
    index = (site / "_site/index.html").read_text("utf-8")
    assert "Bulk 3<" in index
    _assert_output_complete(site)


def test_changing_a_post_tags_replans_every_page(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    _bulk_posts(site, 12)
    build_site(site, site / "_site", version="t")
    _edit(site / "content/posts/bulk-005.md", "'b1'", "'fresh'")
    build_site(site, site / "_site", version="t")
    assert load_manifest(site).pages == _full_plan_keys(site)
    assert "Bulk 5<" in (site / "_site/tags/fresh/index.html").read_text("utf-8")
    assert "Bulk 5<" not in (site / "_site/tags/b1/index.html").read_text("utf-8")
    _assert_output_complete(site)


def test_editing_a_draft_or_future_post_changes_no_page(tmp_path):
    from tests.sitegen.conftest import copy_example

    site = copy_example(tmp_path / "site")
    _bulk_posts(site, 12)
    (site / "content/posts/later.md").write_text(
        "+++\ntitle = 'Later'\ndate = 2999-01-01T00:00:00Z\n+++\nNot yet.\n", "utf-8")
    build_site(site, site / "_site", version="t")
    before = _files(site / "_site")
    _edit(site / "content/posts/unfinished.md", "+++\n", "+++\n\n")
    _edit(site / "content/posts/later.md", "Not yet.", "Still not yet.")
    report = build_site(site, site / "_site", version="t")
    assert report.rendered == 2 and report.pages == 0
    assert _files(site / "_site") == before
    assert load_manifest(site).pages == _full_plan_keys(site)
