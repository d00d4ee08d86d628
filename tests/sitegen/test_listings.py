"""Listing pages: planned as data, rendered the same in the parent or in worker processes."""

from __future__ import annotations

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
    for name in a:
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
