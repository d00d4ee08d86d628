"""Object integrity proofs (FEP-8b32): `eddsa-jcs-2022` Data Integrity proofs over JSON.

Pure: no network, no files. A proof makes a document verifiable without its origin, so a copy
served by a mirror, a CDN or a peer-to-peer network can be checked against the actor's key.

The algorithm (W3C "Data Integrity EdDSA Cryptosuites", eddsa-jcs-2022):

    proof options  = the proof without `proofValue`, plus the document's `@context` (if any)
    hash data      = SHA-256(JCS(proof options)) || SHA-256(JCS(document without `proof`))
    proofValue     = "z" + base58btc(Ed25519 signature of hash data)

JCS is RFC 8785 (the maintained `rfc8785` library). Keys are published as FEP-521a Multikey
entries in the actor's `assertionMethod`: `publicKeyMultibase` is "z" + base58btc of the
multicodec prefix 0xed 0x01 and the 32 raw key bytes (so it always starts "z6Mk").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import msgspec
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"  # defines `assertionMethod` for JSON-LD readers
KEY_FRAGMENT = "#ed25519-key"
_ED25519_PUB_PREFIX = b"\xed\x01"
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


@dataclass(frozen=True, slots=True)
class ProofFailure:
    """Why a proof was refused. ``reason`` is one of ``missing malformed unsupported key
    canonical signature`` and safe as a metrics label."""

    reason: str
    detail: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


@dataclass(frozen=True, slots=True)
class ProofCheck:
    """A verified proof: which key made it (and so which actor stands behind the document)."""

    verification_method: str
    created: str


# --- base58btc and Multikey ----------------------------------------------------------------

# Longest base58btc text of a 64-byte signature (88) and of a 34-byte Multikey (47), with room:
# decoding costs the square of the length, so anything longer is refused unread.
_MAX_SIGNATURE_CHARS = 90
_MAX_MULTIKEY_CHARS = 50


_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]  # two digits at a time
_CHUNK = 58 ** 10  # ten digits per division of the big number, not one


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    parts = []
    while number:
        number, chunk = divmod(number, _CHUNK)
        for _ in range(5):
            chunk, pair = divmod(chunk, 3364)
            parts.append(_PAIRS[pair])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(parts)).lstrip("1")


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multikey(public_key: ed25519.Ed25519PublicKey) -> str:
    """The `publicKeyMultibase` of an Ed25519 public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(_ED25519_PUB_PREFIX + raw)


def parse_multikey(value: object) -> ed25519.Ed25519PublicKey | ProofFailure:
    if not isinstance(value, str) or not value.startswith("z"):
        return ProofFailure("key", "publicKeyMultibase is not a base58btc multibase string")
    if len(value) > _MAX_MULTIKEY_CHARS:
        return ProofFailure("key", "publicKeyMultibase is too long for an Ed25519 key")
    try:
        data = b58decode(value[1:])
    except ValueError as exc:
        return ProofFailure("key", str(exc))
    if len(data) != 34 or not data.startswith(_ED25519_PUB_PREFIX):
        return ProofFailure("key", "publicKeyMultibase is not an Ed25519 key")
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def assertion_method(actor_id: str, public_key: ed25519.Ed25519PublicKey,
                     key_id: str | None = None) -> dict:
    """The actor's FEP-521a `assertionMethod` entry for ``public_key``."""
    return {"id": key_id or actor_id + KEY_FRAGMENT, "type": "Multikey",
            "controller": actor_id, "publicKeyMultibase": multikey(public_key)}


def assertion_key(actor: dict, key_id: str) -> ed25519.Ed25519PublicKey | ProofFailure:
    """The Ed25519 key ``key_id`` that ``actor`` lists in `assertionMethod` and controls."""
    methods = actor.get("assertionMethod")
    for method in methods if isinstance(methods, list) else [methods]:
        if isinstance(method, dict) and method.get("id") == key_id:
            if method.get("controller") != actor.get("id"):
                return ProofFailure("key", f"{key_id} is not controlled by {actor.get('id')}")
            return parse_multikey(method.get("publicKeyMultibase"))
    return ProofFailure("key", f"{actor.get('id')} lists no assertionMethod {key_id}")


# --- proofs ----------------------------------------------------------------------------------

def canonical(document: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``document``; ValueError on what JSON cannot hold.

    A plain document (`_plain`) is encoded by msgspec with sorted keys: the same bytes (its
    strings are escaped as JCS says; tests/fedicore/test_canonical_json.py pins it), ~20x
    faster than the reference library, which encodes everything else."""
    if _plain(document):
        try:
            return _SORTED.encode(document)
        except UnicodeEncodeError:  # a lone surrogate: the library says what is wrong
            pass
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ValueError(f"not canonical JSON: {exc}") from None


_SORTED = msgspec.json.Encoder(order="sorted")
_INT_LIMIT = 2 ** 53 - 1  # JCS numbers are IEEE doubles: larger integers are an error


def _plain(value: Any) -> bool:
    """Only exact dicts with string keys that sort the same by code point as by UTF-16 (none
    beyond U+FFFF), lists, strings, bools, None and integers JCS allows: the values whose
    msgspec encoding is JCS. Floats (ES6 number formatting) and anything else are not."""
    kind = type(value)
    if kind is dict:
        try:
            keys = "".join(value)
        except TypeError:  # a key that is not a string
            return False
        if not keys.isascii() and max(keys) > "\uffff":
            return False
        items = value.values()
    elif kind is list:
        items = value
    else:
        items = (value,)
    for item in items:  # one call per container, not per string
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if not -_INT_LIMIT <= item <= _INT_LIMIT:
                return False
        elif kind is dict or kind is list:
            if not _plain(item):
                return False
        else:
            return False
    return True


def created_now(now: float) -> str:
    """An XML Schema dateTime in whole seconds, as Fedify prints its Temporal instants."""
    return datetime.fromtimestamp(int(now), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash_data(unsecured: dict, options: dict) -> bytes:
    config = dict(options)
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    return (hashlib.sha256(canonical(config)).digest()
            + hashlib.sha256(canonical(unsecured)).digest())


def with_context(document: dict) -> dict:
    """``document`` with the Data Integrity context (where `proof` is defined) in `@context`;
    add it before signing, as the context is part of what is signed."""
    context = document.get("@context")
    if context is None:
        return document
    listed = context if isinstance(context, list) else [context]
    if DATA_INTEGRITY_CONTEXT in listed:
        return document
    strings = [c for c in listed if isinstance(c, str)]
    rest = [c for c in listed if not isinstance(c, str)]
    return {**document, "@context": [*strings, DATA_INTEGRITY_CONTEXT, *rest]}


def sign(document: dict, private_key: ed25519.Ed25519PrivateKey, verification_method: str,
         created: str, *, purpose: str = "assertionMethod") -> dict:
    """``document`` (without a proof) plus its `eddsa-jcs-2022` proof, as the last key.

    Ed25519 is deterministic: the same document, key and ``created`` give the same bytes,
    so a rebuild that changes nothing rewrites nothing."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
               "verificationMethod": verification_method, "proofPurpose": purpose,
               "created": created}
    signature = private_key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def proofs_of(document: dict) -> list:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def verify(document: dict, public_key: ed25519.Ed25519PublicKey,
           proof: dict | None = None, *, purpose: str = "assertionMethod",
           ) -> ProofCheck | ProofFailure:
    """Check one `eddsa-jcs-2022` proof of ``document`` (its only one unless ``proof`` says
    which) against ``public_key``. Which actor owns the key is the caller's question."""
    if proof is None:
        found = proofs_of(document)
        if not found:
            return ProofFailure("missing", "the document carries no proof")
        if len(found) > 1:
            return ProofFailure("unsupported", "proof sets and chains are not supported")
        proof = found[0]
    if not isinstance(proof, dict):
        return ProofFailure("malformed", "proof is not an object")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofFailure("unsupported", f"proof type {proof.get('type')!r} / cryptosuite "
                                           f"{proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != purpose:
        return ProofFailure("malformed", f"proofPurpose is not {purpose}")
    method, value = proof.get("verificationMethod"), proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str) or not value.startswith("z"):
        return ProofFailure("malformed", "verificationMethod or proofValue is missing")
    if len(value) > _MAX_SIGNATURE_CHARS:
        return ProofFailure("malformed", "proofValue is too long for an Ed25519 signature")
    try:
        signature = b58decode(value[1:])
    except ValueError as exc:
        return ProofFailure("malformed", f"proofValue: {exc}")
    if len(signature) != 64:
        return ProofFailure("malformed", "proofValue is not a 64-byte Ed25519 signature")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        data = _hash_data(unsecured, options)
    except ValueError as exc:
        return ProofFailure("canonical", str(exc))
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return ProofFailure("signature", "the proof does not verify: the document was changed "
                                         "or signed with another key")
    return ProofCheck(verification_method=method, created=str(proof.get("created", "")))


def key_owner(verification_method: str) -> str:
    """The actor a key id names by convention (`<actor>#fragment`); the caller still checks
    that the fetched actor lists the key and controls it."""
    return verification_method.split("#", 1)[0]
