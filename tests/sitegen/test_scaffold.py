"""`fedipress init`, `new` and `keys`: a fresh site builds at once; keys stay private."""

from __future__ import annotations

import json

from tests.sitegen.conftest import run_cli


def test_init_then_build_makes_a_followable_site(tmp_path, capsys):
    site = tmp_path / "blog"
    assert run_cli(capsys, "init", str(site), "--username", "sam")[0] == 0
    code, out, err = run_cli(capsys, "build", str(site))
    assert code == 0, err
    assert "made a new actor key pair" in out
    actor = json.loads((site / "_site/ap/actor.json").read_text("utf-8"))
    assert actor["preferredUsername"] == "sam"
    assert (site / ".keys/private.pem").stat().st_mode & 0o777 == 0o600
    assert (site / "_site/ap/posts/hello-fediverse.json").is_file()


def test_init_refuses_an_existing_site(tmp_path, capsys):
    run_cli(capsys, "init", str(tmp_path / "b"))
    code, _out, err = run_cli(capsys, "init", str(tmp_path / "b"))
    assert code == 1 and "already a site" in err


def test_new_post_is_a_draft_until_published(tmp_path, capsys):
    site = tmp_path / "b"
    run_cli(capsys, "init", str(site))
    code, out, _ = run_cli(capsys, "new", 'Say "hi"', "--site", str(site))
    assert code == 0 and out.strip().endswith("say-hi.md")
    run_cli(capsys, "build", str(site), "-q")
    assert not (site / "_site/ap/posts/say-hi.json").exists()
    path = site / "content/posts/say-hi.md"
    path.write_text(path.read_text("utf-8").replace("draft = true", "draft = false") + "Hi!\n")
    assert run_cli(capsys, "build", str(site), "-q")[0] == 0
    doc = json.loads((site / "_site/ap/posts/say-hi.json").read_text("utf-8"))
    assert '<strong>Say "hi"</strong>' in doc["content"] and doc["type"] == "Note"


def test_keys_writes_a_private_key_and_refuses_to_overwrite(tmp_path, capsys):
    site = tmp_path / "b"
    run_cli(capsys, "init", str(site))
    assert run_cli(capsys, "keys", str(site))[0] == 0
    pem = (site / ".keys/private.pem").read_bytes()
    assert b"PRIVATE KEY" in pem and (site / ".keys/private.pem").stat().st_mode & 0o777 == 0o600
    code, _out, err = run_cli(capsys, "keys", str(site))
    assert code == 1 and "already exists" in err
    assert (site / ".keys/private.pem").read_bytes() == pem


def test_build_into_another_folder_with_another_base_url(tmp_path, capsys):
    site = tmp_path / "b"
    run_cli(capsys, "init", str(site))
    code, _out, err = run_cli(capsys, "build", str(site), "--out", str(tmp_path / "out"),
                              "--base-url", "https://preview.example", "-q")
    assert code == 0, err
    jrd = json.loads((tmp_path / "out/.well-known/webfinger").read_text("utf-8"))
    assert jrd["subject"].endswith("@preview.example")


def test_build_summary_counts_drafts_apart_and_says_they_were_skipped(tmp_path, capsys):
    site = tmp_path / "b"
    run_cli(capsys, "init", str(site))
    run_cli(capsys, "new", "Later", "--site", str(site))
    run_cli(capsys, "new", "Much later", "--site", str(site))
    code, out, _err = run_cli(capsys, "build", str(site))
    assert code == 0
    assert "built 1 post (1 rendered, " in out
    assert "2 drafts skipped" in out
