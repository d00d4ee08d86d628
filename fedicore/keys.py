"""Actor key pairs: generate, load (cached: verification runs on every inbox POST), store.

PEM text everywhere: PKCS#8 for private keys, SubjectPublicKeyInfo for public keys, which is
what ActivityPub actors publish as ``publicKey.publicKeyPem``.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Union

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

PrivateKey = Union[rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey]
PublicKey = Union[rsa.RSAPublicKey, ed25519.Ed25519PublicKey]

_PRIVATE_FORMAT = dict(
    encoding=serialization.Encoding.PEM,
    format=serialization.PrivateFormat.PKCS8,
    encryption_algorithm=serialization.NoEncryption(),
)


def _public_pem(key: PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def generate_rsa_keypair(bits: int = 2048) -> tuple[str, str]:
    """A new RSA key pair as (private PKCS#8 PEM, public SPKI PEM)."""
    if bits < 2048:
        raise ValueError("RSA keys shorter than 2048 bits are refused by peers")
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return private.private_bytes(**_PRIVATE_FORMAT).decode("ascii"), _public_pem(private.public_key())


def generate_ed25519_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PKCS#8 PEM, public SPKI PEM)."""
    private = ed25519.Ed25519PrivateKey.generate()
    return private.private_bytes(**_PRIVATE_FORMAT).decode("ascii"), _public_pem(private.public_key())


@lru_cache(maxsize=256)
def load_private_key(pem: str | bytes) -> PrivateKey:
    """Parse an unencrypted PEM private key (RSA or Ed25519); ValueError otherwise."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a usable PEM private key: {exc}") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key


@lru_cache(maxsize=4096)
def load_public_key(pem: str | bytes) -> PublicKey:
    """Parse a PEM public key (SPKI, or PKCS#1 ``RSA PUBLIC KEY``); ValueError otherwise.
    Cached by PEM text, so a busy peer's key is parsed once."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data.strip())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a usable PEM public key: {exc}") from None
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise ValueError(f"unsupported public key type {type(key).__name__}")
    return key


def public_key_pem(private_pem: str | bytes) -> str:
    """The SPKI PEM of a private key's public half."""
    return _public_pem(load_private_key(private_pem).public_key())


def write_private_key(path: str | os.PathLike[str], pem: str | bytes) -> Path:
    """Write ``pem`` to ``path`` with mode 600, atomically: the file never exists with wider
    permissions or half-written. Missing parent folders are made with mode 700."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".pem", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)  # mkstemp already uses 0600; be explicit against odd platforms
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return target
