"""The inbox's verification policy: what a signature must cover, then the digest, the clock,
the host, and last (being the costly part) the signature itself."""

from __future__ import annotations

from . import cavage, rfc9421
from .crypto import MIN_RSA_BITS, resolve_public_key, verify_bytes
from .digest import check_content_digest, check_digest
from .httpdate import parse_http_date
from .model import HttpRequest, ParsedSignature, SignatureFailure, normalize_authority

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def parse_signature(req: HttpRequest) -> ParsedSignature | SignatureFailure:
    """RFC 9421 when ``Signature-Input`` is present, else draft-cavage. Pure, no crypto."""
    if req.header("signature-input") is not None:
        return rfc9421.parse(req)
    return cavage.parse(req)


def _coverage_failure(req: HttpRequest, parsed: ParsedSignature, has_body: bool) -> SignatureFailure | None:
    covered = set(parsed.covered)
    if parsed.scheme == "cavage":
        if "(request-target)" not in covered:
            return SignatureFailure("coverage", "(request-target) is not covered")
        if "host" not in covered:
            return SignatureFailure("coverage", "host is not covered")
        if "date" not in covered and "(created)" not in covered:
            return SignatureFailure("coverage", "neither date nor (created) is covered")
        if has_body and "digest" not in covered:
            return SignatureFailure("coverage", "digest is not covered")
        return None
    if "@method" not in covered:
        return SignatureFailure("coverage", "@method is not covered")
    whole_target = "@target-uri" in covered or "@request-target" in covered
    if not whole_target:
        if "@path" not in covered:
            return SignatureFailure("coverage", "neither @target-uri nor @path is covered")
        if req.query and "@query" not in covered:
            return SignatureFailure("coverage", "the request has a query but @query is not covered")
    if "@authority" not in covered and "@target-uri" not in covered:
        return SignatureFailure("coverage", "neither @authority nor @target-uri is covered")
    if "date" not in covered and parsed.created is None:
        return SignatureFailure("coverage", "neither date nor created is covered")
    if has_body and "content-digest" not in covered:
        return SignatureFailure("coverage", "content-digest is not covered")
    return None


def _digest_failure(req: HttpRequest, parsed: ParsedSignature) -> SignatureFailure | None:
    field = "digest" if parsed.scheme == "cavage" else "content-digest"
    value = req.header(field)
    if field not in parsed.covered:
        return None
    if value is None:
        return SignatureFailure("digest", f"{field} is covered but absent")
    problem = check_digest(value, req.body) if field == "digest" else check_content_digest(value, req.body)
    return SignatureFailure("digest", problem) if problem else None


def _clock_failure(req: HttpRequest, parsed: ParsedSignature, now: float, max_skew: float) -> SignatureFailure | None:
    date = req.header("date")
    if date is not None:
        when = parse_http_date(date)
        if when is None:
            return SignatureFailure("date", "Date is not an HTTP date")
        if when < now - max_skew:
            return SignatureFailure("date", f"Date is {int(now - when)} s old")
        if when > now + max_skew:
            return SignatureFailure("date", f"Date is {int(when - now)} s in the future")
    elif "date" in parsed.covered:
        return SignatureFailure("coverage", "date is covered but absent")
    if parsed.created is not None:
        if parsed.created > now + max_skew:
            return SignatureFailure("date", "created is in the future")
        if parsed.created < now - max_skew:
            return SignatureFailure("date", f"created is {int(now - parsed.created)} s old")
    if parsed.expires is not None and parsed.expires < now:
        return SignatureFailure("date", "the signature has expired")
    return None


def _host_failure(req: HttpRequest) -> SignatureFailure | None:
    """The Host header must name the URL being verified, or a signature for another host
    could be replayed here by sending that host's name."""
    host = req.header("host")
    if host is not None and normalize_authority(host, req.scheme) != req.authority:
        return SignatureFailure("signature", f"Host {host!r} is not the request URL's host")
    return None


def check_without_key(req: HttpRequest, parsed: ParsedSignature, *, now: float,
                      max_skew: float = 3600) -> SignatureFailure | None:
    """Every check that needs no key: coverage, digest, clock and host. Run it before fetching
    a key, so a stale, tampered or incomplete request costs the sender's host no request."""
    try:
        req.url_parts()
    except ValueError as exc:
        return SignatureFailure("malformed", str(exc))
    has_body = req.method.upper() in _BODY_METHODS or bool(req.body)
    return (
        _coverage_failure(req, parsed, has_body)
        or _digest_failure(req, parsed)
        or _clock_failure(req, parsed, now, max_skew)
        or _host_failure(req)
    )


def verify_request(
    req: HttpRequest,
    parsed: ParsedSignature,
    public_key: object,
    *,
    now: float,
    max_skew: float = 3600,
    min_rsa_bits: int = MIN_RSA_BITS,
) -> SignatureFailure | None:
    """None when ``req`` carries a valid signature by ``public_key`` (PEM or key object) that
    covers what an inbox needs: method and target, host, date, and the body's digest."""
    failure = check_without_key(req, parsed, now=now, max_skew=max_skew)
    if failure:
        return failure
    if parsed.scheme == "cavage":
        message = cavage.signing_string(req, parsed)
    else:
        message = rfc9421.signature_base(req, parsed.covered, parsed.signature_params)
    if isinstance(message, SignatureFailure):
        return message
    key = resolve_public_key(public_key)
    if isinstance(key, SignatureFailure):
        return key
    return verify_bytes(
        parsed.algorithm, key, message.encode("ascii"), parsed.signature, min_rsa_bits=min_rsa_bits
    )
