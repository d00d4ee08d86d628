"""Which key may make which signature, and the sign/verify calls themselves.

cavage ``rsa-sha256`` and ``hs2019`` with an RSA key, and RFC 9421 ``rsa-v1_5-sha256``, are
RSASSA-PKCS1-v1_5 with SHA-256 (what the fediverse means by hs2019). ``hs2019`` with an
Ed25519 key, and RFC 9421 ``ed25519``, are Ed25519. An empty algorithm means "as the key says".
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .. import keys
from .model import SignatureFailure

CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
RFC9421_ALGORITHMS = frozenset({"rsa-v1_5-sha256", "ed25519"})
_RSA_NAMES = frozenset({"", "rsa-sha256", "hs2019", "rsa-v1_5-sha256"})
_ED25519_NAMES = frozenset({"", "hs2019", "ed25519"})
MIN_RSA_BITS = 2048
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def resolve_public_key(public_key: object) -> keys.PublicKey | SignatureFailure:
    """Accept a PEM (str/bytes, parsed once and cached) or a loaded key object."""
    if isinstance(public_key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        return public_key
    if isinstance(public_key, (str, bytes)):
        try:
            return keys.load_public_key(public_key)
        except ValueError as exc:
            return SignatureFailure("key", str(exc))
    return SignatureFailure("key", f"unsupported public key object {type(public_key).__name__}")


def verify_bytes(
    algorithm: str, public_key: keys.PublicKey, message: bytes, signature: bytes,
    *, min_rsa_bits: int = MIN_RSA_BITS,
) -> SignatureFailure | None:
    if isinstance(public_key, rsa.RSAPublicKey):
        if algorithm not in _RSA_NAMES:
            return SignatureFailure("key", f"algorithm {algorithm!r} does not fit an RSA key")
        if public_key.key_size < min_rsa_bits:
            return SignatureFailure("key", f"RSA key of {public_key.key_size} bits is too short")
        try:
            public_key.verify(signature, message, _PKCS1, _SHA256)
        except InvalidSignature:
            return SignatureFailure("signature", "RSA signature does not verify")
        return None
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        if algorithm not in _ED25519_NAMES:
            return SignatureFailure("key", f"algorithm {algorithm!r} does not fit an Ed25519 key")
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            return SignatureFailure("signature", "Ed25519 signature does not verify")
        return None
    return SignatureFailure("key", f"unsupported key type {type(public_key).__name__}")


def resolve_private_key(private_key: object) -> keys.PrivateKey:
    if isinstance(private_key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return private_key
    if isinstance(private_key, (str, bytes)):
        return keys.load_private_key(private_key)
    raise TypeError(f"unsupported private key object {type(private_key).__name__}")


def sign_bytes(private_key: keys.PrivateKey, message: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, _PKCS1, _SHA256)
    return private_key.sign(message)
