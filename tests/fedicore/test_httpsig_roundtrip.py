"""sign_request -> parse_signature -> verify_request, for both schemes and both key types."""

from __future__ import annotations

import pytest

from fedicore.httpsig import HttpRequest, ParsedSignature, SignatureFailure, parse_signature, sign_request, verify_request

NOW = 1_800_000_000.0
KEY_ID = "https://peer.example/users/bob#main-key"
INBOX = "https://blog.example/v1/inbox"
BODY = b'{"type":"Follow","actor":"https://peer.example/users/bob"}'


def signed(method: str, url: str, body: bytes, private_pem: str, scheme: str, **extra) -> HttpRequest:
    base = HttpRequest(method, url, {"Content-Type": "application/activity+json"} if body else {}, body)
    headers = {**base.headers, **sign_request(base, key_id=KEY_ID, private_key=private_pem, scheme=scheme, now=NOW, **extra)}
    return HttpRequest(method, url, headers, body)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
@pytest.mark.parametrize("method,body", [("POST", BODY), ("GET", b"")])
def test_signed_request_verifies(scheme, method, body, any_pair):
    private_pem, public_pem = any_pair
    req = signed(method, INBOX, body, private_pem, scheme)
    parsed = parse_signature(req)
    assert isinstance(parsed, ParsedSignature)
    assert parsed.scheme == scheme
    assert parsed.key_id == KEY_ID
    assert verify_request(req, parsed, public_pem, now=NOW + 5) is None


def test_cavage_post_covers_what_mastodon_expects(rsa_pair):
    req = signed("POST", INBOX, BODY, rsa_pair[0], "cavage")
    parsed = parse_signature(req)
    assert parsed.covered == ("(request-target)", "host", "date", "digest", "content-type")
    assert parsed.algorithm == "rsa-sha256"
    assert req.header("date").endswith(" GMT")
    assert req.header("digest").startswith("SHA-256=")


def test_cavage_get_covers_request_target_host_date(rsa_pair):
    parsed = parse_signature(signed("GET", "https://peer.example/users/bob", b"", rsa_pair[0], "cavage"))
    assert parsed.covered == ("(request-target)", "host", "date")


def test_cavage_ed25519_signs_as_hs2019(ed25519_pair):
    parsed = parse_signature(signed("POST", INBOX, BODY, ed25519_pair[0], "cavage"))
    assert parsed.algorithm == "hs2019"


def test_signature_by_another_key_fails(rsa_pair, other_rsa_pair):
    req = signed("POST", INBOX, BODY, rsa_pair[0], "cavage")
    failure = verify_request(req, parse_signature(req), other_rsa_pair[1], now=NOW)
    assert isinstance(failure, SignatureFailure)
    assert failure.reason == "signature"


def test_no_signature_headers_is_missing():
    failure = parse_signature(HttpRequest("POST", INBOX, {"Date": "x"}, BODY))
    assert failure == SignatureFailure("missing", failure.detail)
