"""Signing outgoing requests (deliveries, key and actor fetches) the way peers expect."""

from __future__ import annotations

import time
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric import rsa

from . import cavage, rfc9421
from .crypto import resolve_private_key, sign_bytes
from .digest import content_digest_header, digest_header
from .httpdate import format_http_date
from .model import HttpRequest, ParsedSignature
from .structured import serialize_bare_item

DEFAULT_CONTENT_TYPE = "application/activity+json"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def sign_request(
    req: HttpRequest,
    *,
    key_id: str,
    private_key: object,
    scheme: str = "cavage",
    now: float | None = None,
    covered: Sequence[str] | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """The headers to add to ``req`` so that peers (and ``verify_request``) accept it:
    ``Host``, ``Date``, ``Digest`` or ``Content-Digest`` when there is a body, ``Content-Type``
    when a body has none, and ``Signature`` (+ ``Signature-Input`` for RFC 9421).

    ``covered`` overrides the default components (cavage: ``(request-target) host date``
    plus ``digest content-type`` with a body; RFC 9421: ``@method @target-uri @authority
    date`` plus ``content-type content-digest``)."""
    if scheme not in ("cavage", "rfc9421"):
        raise ValueError(f"unknown signature scheme {scheme!r}")
    key = resolve_private_key(private_key)
    when = time.time() if now is None else now
    has_body = req.method.upper() in _BODY_METHODS or bool(req.body)
    added: dict[str, str] = {"Host": req.authority, "Date": format_http_date(when)}
    if has_body:
        if req.header("content-type") is None:
            added["Content-Type"] = DEFAULT_CONTENT_TYPE
        if scheme == "cavage":
            added["Digest"] = digest_header(req.body)
        else:
            added["Content-Digest"] = content_digest_header(req.body)
    signed = HttpRequest(req.method, req.url, {**_without(req.headers, added), **added}, req.body)

    if scheme == "cavage":
        names = tuple(covered) if covered is not None else (
            ("(request-target)", "host", "date", "digest", "content-type") if has_body
            else ("(request-target)", "host", "date")
        )
        # (created) is not allowed with rsa-sha256 (draft-12 2.3); hs2019 means the same RSA.
        rsa_name = "hs2019" if "(created)" in names else "rsa-sha256"
        algorithm = rsa_name if isinstance(key, rsa.RSAPrivateKey) else "hs2019"
        parsed = ParsedSignature(
            scheme="cavage", key_id=key_id, algorithm=algorithm, covered=names,
            signature=b"", created=int(when) if "(created)" in names else None,
        )
        message = cavage.signing_string(signed, parsed)
        if not isinstance(message, str):
            raise ValueError(message.detail)
        signature = sign_bytes(key, message.encode("ascii"))
        params = cavage.signature_header(key_id, algorithm, names, signature)
        if parsed.created is not None:
            params = f"{params},created={parsed.created}"
        added["Signature"] = params
        return added

    names = tuple(covered) if covered is not None else (
        ("@method", "@target-uri", "@authority", "content-type", "content-digest", "date") if has_body
        else ("@method", "@target-uri", "@authority", "date")
    )
    algorithm = "rsa-v1_5-sha256" if isinstance(key, rsa.RSAPrivateKey) else "ed25519"
    sig_params = rfc9421.signature_input_value(
        label, names, {"created": int(when), "keyid": key_id, "alg": algorithm}
    )
    base = rfc9421.signature_base(signed, names, sig_params)
    if not isinstance(base, str):
        raise ValueError(base.detail)
    signature = sign_bytes(key, base.encode("ascii"))
    added["Signature-Input"] = f"{label}={sig_params}"
    added["Signature"] = f"{label}={serialize_bare_item(signature)}"
    return added


def _without(headers: object, replaced: dict[str, str]) -> dict[str, str]:
    """``headers`` minus the names ``replaced`` sets (compared case-insensitively)."""
    drop = {name.lower() for name in replaced}
    return {k: v for k, v in headers.items() if k.lower() not in drop}  # type: ignore[attr-defined]


__all__ = ["sign_request", "DEFAULT_CONTENT_TYPE"]
