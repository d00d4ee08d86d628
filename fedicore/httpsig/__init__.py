"""HTTP signatures for ActivityPub: draft-cavage-12 (what most servers send) and RFC 9421.

Typical inbox use::

    req = HttpRequest(method, url, headers, body)
    parsed = parse_signature(req)            # ParsedSignature | SignatureFailure, no crypto
    if isinstance(parsed, SignatureFailure): answer 401 with parsed.reason
    ... fetch the key named by parsed.key_id ...
    failure = verify_request(req, parsed, public_key_pem, now=clock())
"""

from __future__ import annotations

from .digest import check_content_digest, check_digest, content_digest_header, digest_header
from .httpdate import format_http_date, parse_http_date
from .model import REASONS, HttpRequest, ParsedSignature, SignatureFailure
from .sign import sign_request
from .verify import check_without_key, parse_signature, verify_request

__all__ = [
    "REASONS",
    "HttpRequest",
    "ParsedSignature",
    "SignatureFailure",
    "check_content_digest",
    "check_without_key",
    "check_digest",
    "content_digest_header",
    "digest_header",
    "format_http_date",
    "parse_http_date",
    "parse_signature",
    "sign_request",
    "verify_request",
]
