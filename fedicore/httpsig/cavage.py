"""draft-cavage-http-signatures-12, as Mastodon, Fedify and most of the fediverse speak it.

Header: ``Signature: keyId="...",algorithm="rsa-sha256",headers="(request-target) host date",
signature="base64"`` (or the same after ``Authorization: Signature ``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from .crypto import CAVAGE_ALGORITHMS
from .model import HttpRequest, ParsedSignature, SignatureFailure

_TOKEN_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"
)
_NUMERIC_PARAMS = frozenset({"created", "expires"})


class CavageSyntaxError(ValueError):
    """The Signature header's parameter list is not well-formed."""


def parse_params(text: str) -> dict[str, str]:
    """``name="value", name=123`` into a dict. Duplicated names, junk between parameters,
    unterminated quotes and control characters are errors. Values are returned unquoted."""
    out: dict[str, str] = {}
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t":
            pos += 1
        start = pos
        while pos < end and text[pos] in _TOKEN_CHARS:
            pos += 1
        name = text[start:pos]
        if not name:
            raise CavageSyntaxError(f"expected a parameter name at offset {start}")
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos >= end or text[pos] != "=":
            raise CavageSyntaxError(f"parameter {name!r} has no '='")
        pos += 1
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos < end and text[pos] == '"':
            close = text.find('"', pos + 1)
            if close < 0:
                raise CavageSyntaxError(f"unterminated quoted value for {name!r}")
            value = text[pos + 1 : close]
            if "\\" in value:  # rare: fall back to the escape-aware reader
                value, close = _quoted_with_escapes(text, pos + 1, name)
            if value and not (value.isascii() and value.isprintable()):
                raise CavageSyntaxError(f"control or non-ASCII character in {name!r}")
            pos = close + 1
        else:
            start = pos
            while pos < end and text[pos] in _TOKEN_CHARS:
                pos += 1
            value = text[start:pos]
            if not value:
                raise CavageSyntaxError(f"parameter {name!r} has an empty value")
        if name in out:
            raise CavageSyntaxError(f"parameter {name!r} is duplicated")
        out[name] = value
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos >= end:
            return out
        if text[pos] != ",":
            raise CavageSyntaxError(f"expected ',' after parameter {name!r}")
        pos += 1


def _quoted_with_escapes(text: str, pos: int, name: str) -> tuple[str, int]:
    """Read a quoted-string body from ``pos`` honouring backslash escapes; returns the value
    and the index of the closing quote."""
    chars: list[str] = []
    end = len(text)
    while pos < end:
        c = text[pos]
        if c == '"':
            return "".join(chars), pos
        if c == "\\":
            pos += 1
            if pos >= end:
                break
            c = text[pos]
        chars.append(c)
        pos += 1
    raise CavageSyntaxError(f"unterminated quoted value for {name!r}")


def format_params(params: Mapping[str, str | int]) -> str:
    """The inverse of ``parse_params``: strings quoted, integers bare, comma-separated."""
    parts = []
    for name, value in params.items():
        if not name or any(c not in _TOKEN_CHARS for c in name):
            raise ValueError(f"invalid parameter name {name!r}")
        if isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{name}={value}")
            continue
        if value and not (value.isascii() and value.isprintable()):
            raise ValueError(f"parameter {name!r} has a character a header cannot carry")
        parts.append(f'{name}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return ",".join(parts)


def _number(name: str, value: str) -> int | float | SignatureFailure:
    whole, dot, fraction = value.partition(".")
    if not (whole.isascii() and whole.isdigit()) or (dot and not (fraction.isascii() and fraction.isdigit())):
        return SignatureFailure("malformed", f"{name} is not a number")
    return float(value) if dot else int(value)


def header_value(req: HttpRequest) -> str | None:
    value = req.header("signature")
    if value is not None:
        return value
    auth = req.header("authorization")
    if auth is not None and auth[:10].lower() == "signature ":
        return auth[10:]
    return None


def parse(req: HttpRequest) -> ParsedSignature | SignatureFailure:
    """Read the cavage Signature (or Authorization: Signature) header; no crypto."""
    raw = header_value(req)
    if raw is None:
        return SignatureFailure("missing", "no Signature header")
    try:
        params = parse_params(raw)
    except CavageSyntaxError as exc:
        return SignatureFailure("malformed", str(exc))
    key_id = params.get("keyId")
    if not key_id:
        return SignatureFailure("malformed", "keyId is missing")
    encoded = params.get("signature")
    if not encoded:
        return SignatureFailure("malformed", "signature is missing")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return SignatureFailure("malformed", "signature is not base64")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in CAVAGE_ALGORITHMS:
        return SignatureFailure("algorithm", f"algorithm {algorithm!r} is not accepted")
    # draft-12 defaults to "(created)"; rsa-sha256 signers (and the draft's own appendix C)
    # mean "date", and (created) is not allowed with rsa-sha256.
    headers_param = params.get("headers")
    if headers_param is None:
        headers_param = "date" if algorithm == "rsa-sha256" else "(created)"
    covered = tuple(headers_param.lower().split())
    if not covered:
        return SignatureFailure("malformed", "headers is empty")
    if len(set(covered)) != len(covered):
        return SignatureFailure("malformed", "headers lists a field twice")
    created = expires = None
    for name in _NUMERIC_PARAMS:
        if name in params:
            value = _number(name, params[name])
            if isinstance(value, SignatureFailure):
                return value
            if name == "created":
                if not isinstance(value, int):
                    return SignatureFailure("malformed", "created is not an integer")
                created = value
            else:
                expires = value
    if algorithm == "rsa-sha256" and ("(created)" in covered or "(expires)" in covered):
        return SignatureFailure("malformed", "(created)/(expires) cannot be used with rsa-sha256")
    if "(created)" in covered and created is None:
        return SignatureFailure("malformed", "(created) is covered but created is missing")
    if "(expires)" in covered and expires is None:
        return SignatureFailure("malformed", "(expires) is covered but expires is missing")
    return ParsedSignature(
        scheme="cavage", key_id=key_id, algorithm=algorithm, covered=covered,
        signature=signature, created=created, expires=expires,
    )


def _format_expires(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def signing_string(req: HttpRequest, parsed: ParsedSignature) -> str | SignatureFailure:
    """The text that was signed: one ``name: value`` line per covered header."""
    lines = []
    for name in parsed.covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {req.method.lower()} {req.request_target}")
        elif name == "(created)":
            lines.append(f"(created): {parsed.created}")
        elif name == "(expires)":
            assert parsed.expires is not None
            lines.append(f"(expires): {_format_expires(parsed.expires)}")
        else:
            value = req.header(name)
            if value is None and name == "host":
                value = req.authority
            if value is None:
                return SignatureFailure("coverage", f"covered header {name!r} is not in the request")
            if "\n" in value or "\r" in value or not value.isascii():
                return SignatureFailure("malformed", f"header {name!r} has a line break or non-ASCII")
            lines.append(f"{name}: {value.strip()}")
    return "\n".join(lines)


def signature_header(key_id: str, algorithm: str, covered: tuple[str, ...], signature: bytes) -> str:
    return format_params({
        "keyId": key_id,
        "algorithm": algorithm,
        "headers": " ".join(covered),
        "signature": base64.b64encode(signature).decode("ascii"),
    })
