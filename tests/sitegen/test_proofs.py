"""Signed, portable posts: the built site's documents carry eddsa-jcs-2022 proofs that verify
with the actor's published Multikey, and a mirrored copy changed by one byte does not."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from fedicore import integrity
from sitegen import manifest
from sitegen.cli import run_build
from tests.sitegen.conftest import run_cli


def actor_key(out: Path, key_id: str):
    actor = json.loads((out / "ap/actor.json").read_bytes())
    return integrity.assertion_key(actor, key_id)


def verified(out: Path, document: dict) -> integrity.ProofCheck | integrity.ProofFailure:
    proof = document["proof"]
    key = actor_key(out, proof["verificationMethod"])
    assert not isinstance(key, integrity.ProofFailure), key
    return integrity.verify(document, key)


def test_the_actor_publishes_its_proof_key_as_a_multikey_assertion_method(built):
    actor = built.json("ap/actor.json")
    [method] = actor["assertionMethod"]
    assert method["type"] == "Multikey" and method["controller"] == actor["id"]
    assert method["id"] == actor["id"] + "#ed25519-key"
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert integrity.MULTIKEY_CONTEXT in actor["@context"]
    assert (built.site / ".keys/ed25519.pem").stat().st_mode & 0o777 == 0o600


def test_every_post_document_carries_a_proof_that_verifies(built):
    posts = sorted((built.out / "ap/posts").glob("*.json"))
    assert posts
    for path in posts:
        document = json.loads(path.read_bytes())
        if document.get("type") == "Tombstone":
            continue
        assert integrity.DATA_INTEGRITY_CONTEXT in document["@context"]
        check = verified(built.out, document)
        assert isinstance(check, integrity.ProofCheck), (path.name, check)
        assert check.created == (document.get("updated") or document["published"])


def test_outbox_pages_and_their_creates_carry_proofs_that_verify(built):
    pages = sorted((built.out / "ap/outbox").glob("page-*.json"))
    assert pages
    for path in pages:
        page = json.loads(path.read_bytes())
        assert isinstance(verified(built.out, page), integrity.ProofCheck), path.name
        for item in page["orderedItems"]:
            assert "proof" not in item["object"]  # the Create's proof covers its post
            assert isinstance(verified(built.out, item), integrity.ProofCheck), item["id"]


def test_a_mirrored_copy_changed_by_one_byte_fails_verification(built, tmp_path):
    source = sorted((built.out / "ap/posts").glob("*.json"))[0].read_bytes()
    mirror = tmp_path / "mirror.json"
    mirror.write_bytes(source)
    assert isinstance(verified(built.out, json.loads(mirror.read_bytes())),
                      integrity.ProofCheck)
    at = source.index(b'"content":"') + len(b'"content":"') + 3
    changed = bytearray(source)
    changed[at] = ord("X") if changed[at] != ord("X") else ord("Y")
    mirror.write_bytes(bytes(changed))
    failure = verified(built.out, json.loads(mirror.read_bytes()))
    assert isinstance(failure, integrity.ProofFailure) and failure.reason == "signature"


def test_a_site_built_before_proofs_gets_a_proof_key_at_its_next_build(site):
    run_build(site, quiet=True)
    key = site / ".keys/ed25519.pem"
    key.unlink()  # as a site from before object integrity proofs: no key, no stamp of one
    stamps_path = site / ".fedipress-cache" / manifest.STAMPS_NAME
    stamps = manifest._STAMPS.decode(stamps_path.read_bytes())
    del stamps.inputs[".keys/ed25519.pem"]
    stamps_path.write_bytes(msgspec.msgpack.encode(stamps))
    run_build(site, quiet=True)  # "up to date" must not skip making the key
    assert key.stat().st_mode & 0o777 == 0o600
    out = site / "_site"
    post = json.loads(sorted((out / "ap/posts").glob("*.json"))[0].read_bytes())
    assert isinstance(verified(out, post), integrity.ProofCheck)


def test_rotating_the_proof_key_resigns_every_document(site, capsys):
    run_build(site, quiet=True)
    out = site / "_site"
    before = json.loads((out / "ap/actor.json").read_bytes())["assertionMethod"][0]
    code, _out, err = run_cli(capsys, "keys", str(site), "--proof", "--force")
    assert code == 0, err
    run_build(site, quiet=True)
    after = json.loads((out / "ap/actor.json").read_bytes())["assertionMethod"][0]
    assert after["publicKeyMultibase"] != before["publicKeyMultibase"]
    for path in sorted((out / "ap/posts").glob("*.json")):
        document = json.loads(path.read_bytes())
        if document.get("type") != "Tombstone":  # a deleted post's stub carries no proof
            assert isinstance(verified(out, document), integrity.ProofCheck)


def test_rebuilding_an_unchanged_site_rewrites_no_signed_document(site):
    run_build(site, quiet=True)
    out = site / "_site"
    first = {p: p.read_bytes() for p in (out / "ap").rglob("*.json")}
    run_build(site, quiet=True, force=True)
    assert {p: p.read_bytes() for p in (out / "ap").rglob("*.json")} == first
