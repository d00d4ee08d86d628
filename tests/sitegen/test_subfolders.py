"""Posts kept as Hugo users keep them: in subfolders, and as page bundles
(`content/posts/trip/index.md` with its pictures beside it)."""

from __future__ import annotations

import json
import shutil

from tests.sitegen.conftest import run_cli



def _post(path, body: str, extra: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'+++\ntitle = "{path.stem}"\ndate = 2026-11-01T10:00:00Z\n{extra}+++\n'
                    f"{body}\n", "utf-8")


def _build(capsys, site) -> str:
    code, out, err = run_cli(capsys, "build", str(site))
    assert code == 0, err
    return out


def test_a_post_in_a_year_folder_is_built(site, capsys) -> None:
    _post(site / "content/posts/2024/march-walk.md", "A walk in March.")
    _build(capsys, site)
    doc = json.loads((site / "_site/ap/posts/march-walk.json").read_text("utf-8"))
    assert "A walk in March." in doc["content"]
    assert (site / "_site/posts/march-walk/index.html").is_file()
    assert "march-walk" in (site / "_site/index.html").read_text("utf-8")


def test_two_posts_with_one_slug_in_different_folders_are_refused(site, capsys) -> None:
    _post(site / "content/posts/2023/walk.md", "One.")
    _post(site / "content/posts/2024/walk.md", "Two.")
    code, _out, err = run_cli(capsys, "build", str(site))
    assert code == 1
    assert "slug 'walk' is also used by content/posts/2023/walk.md" in err


def test_a_page_bundle_publishes_its_pictures_beside_its_page(site, capsys) -> None:
    bundle = site / "content/posts/boat-trip"
    _post(bundle / "index.md", "![A red boat](boat.png)\n\n[the map](maps/route.png)",
          'images = [{ src = "boat.png", alt = "A red boat" }]\n')
    (bundle / "maps").mkdir()
    shutil.copy(site / "static/avatar.png", bundle / "boat.png")
    shutil.copy(site / "static/avatar.png", bundle / "maps/route.png")
    (bundle / ".DS_Store").write_bytes(b"junk")
    _build(capsys, site)
    out = site / "_site"
    assert (out / "posts/boat-trip/boat.png").read_bytes() == (bundle / "boat.png").read_bytes()
    assert (out / "posts/boat-trip/maps/route.png").is_file()
    assert not (out / "posts/boat-trip/.DS_Store").exists()
    page = (out / "posts/boat-trip/index.html").read_text("utf-8")
    assert 'src="/posts/boat-trip/boat.png"' in page
    doc = json.loads((out / "ap/posts/boat-trip.json").read_text("utf-8"))
    base = "http://127.0.0.1:8000"
    assert f'src="{base}/posts/boat-trip/boat.png"' in doc["content"]
    assert f'href="{base}/posts/boat-trip/maps/route.png"' in doc["content"]
    assert doc["attachment"][0]["url"] == f"{base}/posts/boat-trip/boat.png"


def test_a_changed_bundle_picture_is_copied_again_and_a_removed_one_removed(site,
                                                                          capsys) -> None:
    bundle = site / "content/posts/trip"
    _post(bundle / "index.md", "![x](a.png)")
    (bundle / "a.png").write_bytes(b"first")
    _build(capsys, site)
    (bundle / "a.png").write_bytes(b"second picture")
    assert "up to date" not in _build(capsys, site)
    assert (site / "_site/posts/trip/a.png").read_bytes() == b"second picture"
    (bundle / "a.png").unlink()
    _build(capsys, site)
    assert not (site / "_site/posts/trip/a.png").exists()
    assert "up to date" in _build(capsys, site)


def test_a_draft_bundle_publishes_no_pictures(site, capsys) -> None:
    bundle = site / "content/posts/secret"
    _post(bundle / "index.md", "Not yet.", "draft = true\n")
    (bundle / "a.png").write_bytes(b"private")
    _build(capsys, site)
    assert not (site / "_site/posts/secret").exists()
