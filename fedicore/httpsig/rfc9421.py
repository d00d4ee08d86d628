"""RFC 9421 HTTP Message Signatures: ``Signature-Input`` + ``Signature`` (request side).

Supported components: ``@method @target-uri @authority @scheme @request-target @path @query``
and plain header fields without component parameters. Anything else (``;sf``, ``;key``,
``;bs``, ``;req``, ``@query-param``, ``@status``) is refused rather than half-implemented.
"""

from __future__ import annotations

import re

from .crypto import RFC9421_ALGORITHMS
from .model import HttpRequest, ParsedSignature, SignatureFailure
from .structured import (
    InnerList,
    Item,
    StructuredFieldError,
    parse_dictionary,
    serialize_bare_item,
    serialize_inner_list,
)

DERIVED = frozenset({"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"})
_FIELD_NAME = re.compile(r"[a-z0-9!#$%&'*+\-.^_`|~]+\Z")
_STRING_PARAMS = ("keyid", "alg", "nonce", "tag")


def parse(req: HttpRequest) -> ParsedSignature | SignatureFailure:
    """Read ``Signature-Input`` and ``Signature``; the first label present in both is used."""
    raw_input = req.header("signature-input")
    raw_sig = req.header("signature")
    if raw_input is None:
        return SignatureFailure("missing", "no Signature-Input header")
    if raw_sig is None:
        return SignatureFailure("malformed", "Signature-Input without Signature")
    try:
        inputs = parse_dictionary(raw_input)
        signatures = parse_dictionary(raw_sig)
    except StructuredFieldError as exc:
        return SignatureFailure("malformed", f"signature header is not a structured dictionary: {exc}")
    label = next((name for name in inputs if name in signatures), None)
    if label is None:
        return SignatureFailure("malformed", "no label appears in both Signature-Input and Signature")
    members = inputs[label]
    sig_member = signatures[label]
    if not isinstance(members, InnerList):
        return SignatureFailure("malformed", f"Signature-Input {label} is not an inner list")
    if not isinstance(sig_member, Item) or not isinstance(sig_member.value, bytes):
        return SignatureFailure("malformed", f"Signature {label} is not a byte sequence")
    if not sig_member.value:
        return SignatureFailure("malformed", "signature is empty")
    covered: list[str] = []
    for item in members.items:
        name = item.value
        if type(name) is not str:  # a Token or a number is not a component name
            return SignatureFailure("malformed", "a covered component is not a string")
        if item.params:
            return SignatureFailure("malformed", f"component parameters on {name!r} are not supported")
        if name.startswith("@"):
            if name not in DERIVED:
                return SignatureFailure("malformed", f"derived component {name!r} is not supported")
        elif not _FIELD_NAME.match(name):
            return SignatureFailure("malformed", f"{name!r} is not a lower-case field name")
        if name in covered:
            return SignatureFailure("malformed", f"component {name!r} is covered twice")
        covered.append(name)
    params = members.params
    for name in _STRING_PARAMS:
        if name in params and type(params[name]) is not str:
            return SignatureFailure("malformed", f"parameter {name} is not a string")
    for name in ("created", "expires"):
        if name in params and (type(params[name]) is not int or params[name] < 0):
            return SignatureFailure("malformed", f"parameter {name} is not a non-negative integer")
    key_id = params.get("keyid")
    if not key_id:
        return SignatureFailure("malformed", "keyid is missing")
    algorithm = params.get("alg", "")
    if algorithm and algorithm not in RFC9421_ALGORITHMS:
        return SignatureFailure("algorithm", f"alg {algorithm!r} is not accepted")
    return ParsedSignature(
        scheme="rfc9421", key_id=str(key_id), algorithm=str(algorithm), covered=tuple(covered),
        signature=sig_member.value, created=params.get("created"),  # type: ignore[arg-type]
        expires=params.get("expires"), label=label,  # type: ignore[arg-type]
        nonce=params.get("nonce"),  # type: ignore[arg-type]
        signature_params=serialize_inner_list(members),
    )


def component_value(req: HttpRequest, name: str) -> str | None:
    """A covered component's value (RFC 9421 2.1, 2.2), or None if the request lacks it."""
    if name == "@method":
        return req.method
    if name == "@target-uri":
        return req.url.partition("#")[0]
    if name == "@authority":
        return req.authority
    if name == "@scheme":
        return req.scheme
    if name == "@request-target":
        return req.request_target
    if name == "@path":
        return req.path
    if name == "@query":
        return "?" + req.query
    value = req.header(name)
    return None if value is None else value.strip()


def signature_base(req: HttpRequest, covered: tuple[str, ...], signature_params: str) -> str | SignatureFailure:
    """The exact text that is signed (RFC 9421 2.5)."""
    lines = []
    for name in covered:
        value = component_value(req, name)
        if value is None:
            return SignatureFailure("coverage", f"covered component {name!r} is not in the request")
        if "\n" in value or "\r" in value or not value.isascii():
            return SignatureFailure("malformed", f"component {name!r} has a line break or non-ASCII")
        lines.append(f"{serialize_bare_item(name)}: {value}")
    lines.append(f'"@signature-params": {signature_params}')
    return "\n".join(lines)


def signature_input_value(label: str, covered: tuple[str, ...], params: dict[str, str | int]) -> str:
    """The serialized inner list for ``label``, e.g. ``("@method" ...);created=...;keyid="..."``."""
    return serialize_inner_list(InnerList(tuple(Item(c) for c in covered), dict(params)))
