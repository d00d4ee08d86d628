"""FEP-8b32 against Fedify: the pinned Fedify peer verifies the proofs of the built example
site (fetching the actor's Multikey itself), refuses a mirrored copy changed by one byte, and
the proofs Fedify puts on what it sends verify in our inbox (tests/inbox/test_object_proofs.py)."""

from __future__ import annotations

import json

import pytest

from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.interop.test_example_site import served_example  # noqa: F401 - fixture

pytestmark = pytest.mark.interop


def _posts(out):
    return sorted(p for p in (out / "ap/posts").glob("*.json")
                  if json.loads(p.read_bytes()).get("type") != "Tombstone")


def test_fedify_verifies_the_proof_of_every_built_post(served_example, peer):  # noqa: F811
    for path in _posts(served_example.out):
        doc = json.loads(path.read_bytes())
        got = peer.verify_object(url=doc["id"])
        assert got["proofs"] == 1 and got["verified"] is True, (path.name, got)


def test_fedify_verifies_the_outbox_page(served_example, peer):  # noqa: F811
    page_path = sorted((served_example.out / "ap/outbox").glob("page-*.json"))[0]
    page = json.loads(page_path.read_bytes())
    got = peer.verify_object(url=page["id"])
    assert got["proofs"] == 1 and got["verified"] is True, got


def test_fedify_refuses_a_mirrored_copy_changed_by_one_byte(served_example, peer):  # noqa: F811
    source = _posts(served_example.out)[0].read_bytes()
    assert peer.verify_object(document=json.loads(source))["verified"] is True  # the mirror
    at = source.index(b'"content":"') + len(b'"content":"') + 3
    changed = bytearray(source)
    changed[at] = ord("X") if changed[at] != ord("X") else ord("Y")
    got = peer.verify_object(document=json.loads(bytes(changed)))
    assert got["verified"] is False
