"""eddsa-jcs-2022 object integrity proofs (FEP-8b32): the FEP's own test vector, round trips,
and the ways a copy can be tampered with."""

from __future__ import annotations

import base64
import copy

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from fedicore import integrity

# The FEP-8b32 test vector (the key of its examples; the activity and proof as the pinned
# Fedify release checks them): a Create whose Note has a Place with floating-point numbers.
FEP_KEY_D = "yW756hDF5BTEcXI6_53nLDX6W3D66X6IMuysfS4rjtY"
FEP_MULTIKEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
FEP_KEY_ID = "https://server.example/users/alice#ed25519-key"
FEP_CREATED = "2023-02-24T23:36:38Z"
FEP_PROOF_VALUE = ("zLaewdp4H9kqtwyrLatK4cjY5oRHwVcw4gibPSUDYDMhi4M49v8pcYk3ZB6D69dNpAPbUmY8o"
                   "cuJ3m9KhKJEEg7z")
FEP_ACTIVITY = {
    "@context": ["https://www.w3.org/ns/activitystreams",
                 "https://w3id.org/security/data-integrity/v1"],
    "id": "https://server.example/activities/1",
    "type": "Create",
    "actor": "https://server.example/users/alice",
    "object": {
        "id": "https://server.example/objects/1",
        "type": "Note",
        "attributedTo": "https://server.example/users/alice",
        "content": "Hello world",
        "location": {"type": "Place", "longitude": -71.184902, "latitude": 25.273962},
    },
}


def fep_private_key() -> ed25519.Ed25519PrivateKey:
    raw = base64.urlsafe_b64decode(FEP_KEY_D + "=")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw)


def fep_signed() -> dict:
    return {**FEP_ACTIVITY, "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": FEP_KEY_ID, "proofPurpose": "assertionMethod",
        "proofValue": FEP_PROOF_VALUE, "created": FEP_CREATED}}


def test_the_fep_multikey_encodes_the_fep_public_key():
    assert integrity.multikey(fep_private_key().public_key()) == FEP_MULTIKEY
    parsed = integrity.parse_multikey(FEP_MULTIKEY)
    assert integrity.multikey(parsed) == FEP_MULTIKEY


def test_signing_the_fep_activity_gives_the_fep_proof_value():
    signed = integrity.sign(FEP_ACTIVITY, fep_private_key(), FEP_KEY_ID, FEP_CREATED)
    assert signed["proof"]["proofValue"] == FEP_PROOF_VALUE
    assert list(signed)[-1] == "proof"


def test_the_fep_proof_verifies_with_the_published_key():
    check = integrity.verify(fep_signed(), integrity.parse_multikey(FEP_MULTIKEY))
    assert isinstance(check, integrity.ProofCheck)
    assert check.verification_method == FEP_KEY_ID
    assert integrity.key_owner(check.verification_method) == FEP_ACTIVITY["actor"]


def test_key_order_and_whitespace_do_not_matter_only_content_does():
    signed = fep_signed()
    reordered = dict(reversed(list(signed.items())))
    assert isinstance(integrity.verify(reordered, fep_private_key().public_key()),
                      integrity.ProofCheck)


@pytest.mark.parametrize("mutate", [
    lambda d: d["object"].__setitem__("content", "Hello worle"),
    lambda d: d["object"]["location"].__setitem__("latitude", 25.273963),
    lambda d: d.__setitem__("@context", d["@context"][:1]),
    lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
    lambda d: d.__setitem__("cc", ["https://www.w3.org/ns/activitystreams#Public"]),
], ids=["content", "number", "context", "created", "added-field"])
def test_any_change_to_a_signed_document_fails_verification(mutate):
    doc = copy.deepcopy(fep_signed())
    mutate(doc)
    failure = integrity.verify(doc, integrity.parse_multikey(FEP_MULTIKEY))
    assert isinstance(failure, integrity.ProofFailure)
    assert failure.reason == "signature"


def test_another_key_does_not_verify():
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    assert integrity.verify(fep_signed(), other).reason == "signature"


@pytest.mark.parametrize("proof,reason", [
    (None, "missing"),
    ("z123", "malformed"),
    ({"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}, "unsupported"),
    ({"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
      "proofPurpose": "authentication"}, "malformed"),
    ({"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
      "proofPurpose": "assertionMethod", "verificationMethod": FEP_KEY_ID,
      "proofValue": "z0OIl"}, "malformed"),
    ({"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
      "proofPurpose": "assertionMethod", "verificationMethod": FEP_KEY_ID,
      "proofValue": "z2222"}, "malformed"),
])
def test_a_malformed_proof_is_refused_with_a_reason(proof, reason):
    doc = dict(FEP_ACTIVITY)
    if proof is not None:
        doc["proof"] = proof
    failure = integrity.verify(doc, integrity.parse_multikey(FEP_MULTIKEY))
    assert isinstance(failure, integrity.ProofFailure) and failure.reason == reason


def test_with_context_adds_data_integrity_before_inline_terms():
    doc = {"@context": ["https://www.w3.org/ns/activitystreams", {"sensitive": "as:sensitive"}]}
    assert integrity.with_context(doc)["@context"] == [
        "https://www.w3.org/ns/activitystreams", integrity.DATA_INTEGRITY_CONTEXT,
        {"sensitive": "as:sensitive"}]
    again = integrity.with_context(integrity.with_context(doc))
    assert again["@context"].count(integrity.DATA_INTEGRITY_CONTEXT) == 1


def test_assertion_key_requires_the_actor_to_list_and_control_the_key():
    key = fep_private_key().public_key()
    actor = {"id": "https://server.example/users/alice",
             "assertionMethod": [integrity.assertion_method(
                 "https://server.example/users/alice", key)]}
    assert integrity.multikey(integrity.assertion_key(actor, FEP_KEY_ID)) == FEP_MULTIKEY
    assert integrity.assertion_key(actor, FEP_KEY_ID + "2").reason == "key"
    actor["assertionMethod"][0]["controller"] = "https://evil.example/users/mallory"
    assert integrity.assertion_key(actor, FEP_KEY_ID).reason == "key"


def test_base58_round_trips_leading_zero_bytes():
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert integrity.b58decode(integrity.b58encode(data)) == data


def test_an_overlong_proof_value_is_refused_before_it_is_decoded():
    """base58 decoding costs the square of its length: a 1 MB proofValue would hold the event
    loop for minutes, so a value longer than any 64-byte signature is refused unread."""
    key = ed25519.Ed25519PrivateKey.generate()
    doc = integrity.sign({"@context": [integrity.DATA_INTEGRITY_CONTEXT], "id": "https://a.example/x"},
                         key, "https://a.example/actor#k", "2026-01-01T00:00:00Z")
    doc["proof"]["proofValue"] = "z" + "2" * 100_000
    failure = integrity.verify(doc, key.public_key())
    assert isinstance(failure, integrity.ProofFailure) and "too long" in str(failure)


def test_an_overlong_multikey_is_refused_before_it_is_decoded():
    failure = integrity.parse_multikey("z" + "2" * 100_000)
    assert isinstance(failure, integrity.ProofFailure) and "too long" in str(failure)


def _b58_one_digit_at_a_time(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = alphabet[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def test_b58encode_is_base58btc_whatever_the_length_and_leading_zeros():
    import random

    rng = random.Random(8)
    samples = [b"", b"\0", b"\0\0\1", b"\xff" * 64, bytes(64), b"\0" + b"\xff" * 33]
    samples += [bytes(rng.randrange(256) for _ in range(rng.randrange(80))) for _ in range(500)]
    samples += [b"\0" * rng.randrange(4) + rng.randbytes(64) for _ in range(200)]
    for data in samples:
        assert integrity.b58encode(data) == _b58_one_digit_at_a_time(data), data
