"""Body digests: the legacy ``Digest`` header (RFC 3230, as the fediverse sends it) and
``Content-Digest`` (RFC 9530). Checks return a failure detail string, or None when the
header matches the raw body bytes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from .structured import Item, StructuredFieldError, parse_dictionary

_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def digest_header(body: bytes) -> str:
    """The ``Digest`` value Mastodon and Fedify send: ``SHA-256=<base64>``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value: ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def check_digest(value: str, body: bytes) -> str | None:
    """``Digest: SHA-256=...`` must name SHA-256 and match the body. Hex, MD5, SHA-1, SHA-512
    alone, duplicated or unknown algorithms are refused: senders all use base64 SHA-256."""
    seen: set[str] = set()
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        name = name.strip().lower()
        if not sep or not name or not encoded:
            return "Digest is not 'algorithm=value'"
        if name != "sha-256":
            return f"Digest algorithm {name!r} is not accepted (SHA-256 only)"
        if name in seen:
            return "Digest names SHA-256 twice"
        seen.add(name)
        try:
            claimed = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "Digest value is not base64"
        if not hmac.compare_digest(claimed, hashlib.sha256(body).digest()):
            return "Digest does not match the body"
    return None


def check_content_digest(value: str, body: bytes) -> str | None:
    """RFC 9530 ``Content-Digest``: every entry must be sha-256 or sha-512 and match."""
    try:
        members = parse_dictionary(value)
    except StructuredFieldError as exc:
        return f"Content-Digest is malformed: {exc}"
    if not members:
        return "Content-Digest is empty"
    for name, member in members.items():
        hasher = _HASHES.get(name)
        if hasher is None:
            return f"Content-Digest algorithm {name!r} is not accepted (sha-256 or sha-512)"
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            return f"Content-Digest {name} is not a byte sequence"
        if not hmac.compare_digest(member.value, hasher(body).digest()):
            return "Content-Digest does not match the body"
    return None
