"""Every failure reason, each produced by a crafted request an attacker or a broken peer sends."""

from __future__ import annotations

import base64

import pytest

from fedicore.httpsig import (
    REASONS,
    HttpRequest,
    ParsedSignature,
    SignatureFailure,
    format_http_date,
    parse_signature,
    sign_request,
    verify_request,
)
from fedicore.httpsig.digest import digest_header
from fedicore.httpsig.model import normalize_authority

NOW = 1_800_000_000.0
KEY_ID = "https://peer.example/users/bob#main-key"
INBOX = "https://blog.example/v1/@alice@blog.example/inbox"
BODY = b'{"type":"Like","actor":"https://peer.example/users/bob"}'


def sign(private_pem: str, *, scheme: str = "cavage", method: str = "POST", url: str = INBOX,
         body: bytes = BODY, now: float = NOW, **extra) -> dict[str, str]:
    base = HttpRequest(method, url, {"Content-Type": "application/activity+json"} if body else {}, body)
    return {**base.headers, **sign_request(base, key_id=KEY_ID, private_key=private_pem, scheme=scheme, now=now, **extra)}


def outcome(headers: dict[str, str], public_pem: str, *, method: str = "POST", url: str = INBOX,
            body: bytes = BODY, now: float = NOW) -> SignatureFailure | None:
    req = HttpRequest(method, url, headers, body)
    parsed = parse_signature(req)
    if isinstance(parsed, SignatureFailure):
        return parsed
    return verify_request(req, parsed, public_pem, now=now)


def reason(failure: SignatureFailure | None) -> str | None:
    assert failure is None or failure.reason in REASONS
    return None if failure is None else failure.reason


SCHEMES = pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])


@SCHEMES
def test_body_changed_after_signing_is_digest(scheme, rsa_pair):
    headers = sign(rsa_pair[0], scheme=scheme)
    assert reason(outcome(headers, rsa_pair[1], body=BODY.replace(b"Like", b"Undo"))) == "digest"


@SCHEMES
def test_digest_header_replaced_to_match_new_body_is_signature(scheme, rsa_pair):
    headers = sign(rsa_pair[0], scheme=scheme)
    forged = b'{"type":"Delete"}'
    if scheme == "cavage":
        headers["Digest"] = digest_header(forged)
    else:
        headers["Content-Digest"] = "sha-256=:" + digest_header(forged)[8:] + ":"
    assert reason(outcome(headers, rsa_pair[1], body=forged)) == "signature"


@SCHEMES
@pytest.mark.parametrize("offset", [-3601, 3601])
def test_date_outside_an_hour_is_date(scheme, offset, rsa_pair):
    headers = sign(rsa_pair[0], scheme=scheme, now=NOW + offset)
    assert reason(outcome(headers, rsa_pair[1])) == "date"


@SCHEMES
def test_date_within_skew_is_accepted(scheme, rsa_pair):
    headers = sign(rsa_pair[0], scheme=scheme, now=NOW - 3000)
    assert outcome(headers, rsa_pair[1]) is None


def test_unparsable_date_is_date(rsa_pair):
    headers = sign(rsa_pair[0])
    headers["Date"] = "yesterday at noon"
    assert reason(outcome(headers, rsa_pair[1])) == "date"


@SCHEMES
@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example/v1/@mallory@blog.example/inbox",  # other path
        "https://blog.example/v1/@alice@blog.example/inbox?x=1",  # other query
        "https://other.example/v1/@alice@blog.example/inbox",  # other host
        "http://blog.example/v1/@alice@blog.example/inbox",  # other scheme
    ],
)
def test_signature_replayed_onto_another_target_is_signature(scheme, url, rsa_pair):
    headers = sign(rsa_pair[0], scheme=scheme)
    headers.pop("Host")  # the replaying client sends the new target's own Host
    expected = "signature"
    if scheme == "cavage" and url.startswith("http:"):
        # cavage covers no scheme (a TLS-terminating proxy makes it unobservable anyway):
        # the same path, query and host verify over plain http too, by design.
        expected = None
    assert reason(outcome(headers, rsa_pair[1], url=url)) == expected


@SCHEMES
def test_other_method_is_signature(scheme, rsa_pair):
    headers = sign(rsa_pair[0], scheme=scheme)
    assert reason(outcome(headers, rsa_pair[1], method="PUT")) == "signature"


def test_host_header_naming_another_host_is_signature(rsa_pair):
    headers = sign(rsa_pair[0], url="https://other.example/v1/inbox")
    assert reason(outcome(headers, rsa_pair[1], url="https://blog.example/v1/inbox")) == "signature"


def test_url_with_default_port_verifies_against_url_without_it(rsa_pair):
    headers = sign(rsa_pair[0], url="https://blog.example:443/v1/@alice@blog.example/inbox")
    assert headers["Host"] == "blog.example"
    assert outcome(headers, rsa_pair[1]) is None


@pytest.mark.parametrize(
    "host,scheme,expected",
    [("Blog.Example:443", "https", "blog.example"), ("blog.example:80", "http", "blog.example"),
     ("blog.example:8443", "https", "blog.example:8443"), ("[::1]:443", "https", "[::1]")],
)
def test_host_normalization_drops_default_port_and_case(host, scheme, expected):
    assert normalize_authority(host, scheme) == expected


@pytest.mark.parametrize(
    "covered",
    [
        ("(request-target)", "host", "date", "content-type"),  # no digest on a POST
        ("host", "date", "digest"),  # no (request-target)
        ("(request-target)", "date", "digest"),  # no host
        ("(request-target)", "host", "digest"),  # neither date nor (created)
    ],
)
def test_cavage_missing_coverage_is_coverage(covered, rsa_pair):
    headers = sign(rsa_pair[0], covered=covered)
    assert reason(outcome(headers, rsa_pair[1])) == "coverage"


def test_cavage_hs2019_with_created_instead_of_date_is_accepted(any_pair):
    headers = sign(any_pair[0], covered=("(request-target)", "host", "(created)", "digest"))
    assert 'algorithm="hs2019"' in headers["Signature"]
    assert outcome(headers, any_pair[1]) is None


@pytest.mark.parametrize(
    "covered",
    [
        ("@target-uri", "@authority", "date", "content-digest"),  # no @method
        ("@method", "@authority", "date", "content-digest"),  # no target
        ("@method", "@path", "date", "content-digest"),  # no authority
        ("@method", "@target-uri", "@authority", "date"),  # no content-digest
    ],
)
def test_rfc9421_missing_coverage_is_coverage(covered, rsa_pair):
    headers = sign(rsa_pair[0], scheme="rfc9421", covered=covered)
    assert reason(outcome(headers, rsa_pair[1])) == "coverage"


def test_rfc9421_path_without_query_when_url_has_query_is_coverage(rsa_pair):
    url = INBOX + "?page=2"
    headers = sign(rsa_pair[0], scheme="rfc9421", url=url, covered=("@method", "@path", "@authority", "content-digest"))
    assert reason(outcome(headers, rsa_pair[1], url=url)) == "coverage"
    headers = sign(rsa_pair[0], scheme="rfc9421", url=url, covered=("@method", "@path", "@query", "@authority", "content-digest"))
    assert outcome(headers, rsa_pair[1], url=url) is None


def test_rfc9421_expired_signature_is_date(ed25519_pair):
    headers = sign(ed25519_pair[0], scheme="rfc9421")
    headers["Signature-Input"] = headers["Signature-Input"].replace(";keyid", f";expires={int(NOW) - 1};keyid")
    assert reason(outcome(headers, ed25519_pair[1])) == "date"


def test_rfc9421_created_in_the_future_is_date(rsa_pair):
    headers = sign(rsa_pair[0], scheme="rfc9421", covered=("@method", "@target-uri", "content-digest"), now=NOW + 7200)
    del headers["Date"]
    assert reason(outcome(headers, rsa_pair[1])) == "date"


@pytest.mark.parametrize(
    "digest",
    [
        "SHA-256=" + "ab" * 32,  # hex is not what anyone signs
        "MD5=XrY7u+Ae7tCTyyK7j1rNww==",
        "SHA-512=" + base64.b64encode(b"x" * 64).decode(),
        "SHA-256",
        "SHA-256=!!!",
    ],
)
def test_cavage_unusable_digest_is_digest(digest, rsa_pair):
    base = HttpRequest("POST", INBOX, {"Content-Type": "application/activity+json", "Digest": digest}, BODY)
    added = sign_request(base, key_id=KEY_ID, private_key=rsa_pair[0], now=NOW)
    added.pop("Digest")
    # The digest is checked before the (costly) signature: a bad one is refused as such.
    req = HttpRequest("POST", INBOX, {**base.headers, **added}, BODY)
    assert reason(verify_request(req, parse_signature(req), rsa_pair[1], now=NOW)) == "digest"


@pytest.mark.parametrize(
    "signature_header,expected",
    [
        ('keyId="a",keyId="b",signature="AAAA"', "malformed"),  # duplicated parameter
        ('keyId="a",algorithm="rsa-sha256",algorithm="hs2019",signature="AAAA"', "malformed"),
        ('algorithm="rsa-sha256",signature="AAAA"', "malformed"),  # no keyId
        ('keyId="a",algorithm="rsa-sha256"', "malformed"),  # no signature
        ('keyId="a",signature="not base64!"', "malformed"),
        ('keyId="a" signature="AAAA"', "malformed"),  # missing comma
        ('keyId="a,signature="AAAA"', "malformed"),  # unterminated quote
        ('keyId="a",algorithm="rsa-sha512",signature="AAAA"', "algorithm"),
        ('keyId="a",algorithm="hmac-sha256",signature="AAAA"', "algorithm"),
        ('keyId="a",algorithm="ecdsa-sha256",signature="AAAA"', "algorithm"),
        ('keyId="a",headers="date date",signature="AAAA"', "malformed"),
        ('keyId="a",algorithm="rsa-sha256",headers="(created) date",created=1,signature="AAAA"', "malformed"),
        ('keyId="a",algorithm="hs2019",headers="(expires)",expires=nan,signature="AAAA"', "malformed"),
        ('keyId="a",headers="",signature="AAAA"', "malformed"),
    ],
)
def test_bad_cavage_headers_fail_at_parse(signature_header, expected):
    failure = parse_signature(HttpRequest("POST", INBOX, {"Signature": signature_header}))
    assert isinstance(failure, SignatureFailure)
    assert failure.reason == expected


@pytest.mark.parametrize(
    "signature_input,signature,expected",
    [
        ('sig1=("@method");keyid="k";alg="rsa-pss-sha512"', "sig1=:AAAA:", "algorithm"),
        ('sig1=("@method");keyid="k";alg="hmac-sha256"', "sig1=:AAAA:", "algorithm"),
        ('sig1=("@method");alg="ed25519"', "sig1=:AAAA:", "malformed"),  # no keyid
        ('sig1=("@method");keyid="k";keyid="j"', "sig1=:AAAA:", "malformed"),  # duplicated param
        ('sig1=("@method" "@method");keyid="k"', "sig1=:AAAA:", "malformed"),
        ('sig1=("@method");keyid="k", sig1=("@path");keyid="k"', "sig1=:AAAA:", "malformed"),
        ('sig1=("@method");keyid="k"', "sig2=:AAAA:", "malformed"),  # labels do not meet
        ('sig1=("@method");keyid="k"', 'sig1="AAAA"', "malformed"),  # not a byte sequence
        ('sig1=("@status");keyid="k"', "sig1=:AAAA:", "malformed"),
        ('sig1=("content-type";sf);keyid="k"', "sig1=:AAAA:", "malformed"),
        ('sig1=("@method");keyid="k";created=abc', "sig1=:AAAA:", "malformed"),
        ('sig1=("@method";keyid="k"', "sig1=:AAAA:", "malformed"),
        ('sig1=("Content-Type");keyid="k"', "sig1=:AAAA:", "malformed"),
    ],
)
def test_bad_rfc9421_headers_fail_at_parse(signature_input, signature, expected):
    req = HttpRequest("POST", INBOX, {"Signature-Input": signature_input, "Signature": signature})
    failure = parse_signature(req)
    assert isinstance(failure, SignatureFailure), failure
    assert failure.reason == expected


def test_signature_input_without_signature_is_malformed():
    failure = parse_signature(HttpRequest("GET", INBOX, {"Signature-Input": 'sig1=("@method");keyid="k"'}))
    assert reason(failure) == "malformed"


def test_unusable_public_key_is_key(rsa_pair):
    headers = sign(rsa_pair[0])
    assert reason(outcome(headers, "-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----")) == "key"


def test_rsa_algorithm_with_ed25519_key_is_key(rsa_pair, ed25519_pair):
    headers = sign(rsa_pair[0])
    assert reason(outcome(headers, ed25519_pair[1])) == "key"


@SCHEMES
def test_covered_header_absent_from_request_is_coverage(scheme, rsa_pair):
    covered = (
        ("(request-target)", "host", "date", "digest", "x-custom")
        if scheme == "cavage"
        else ("@method", "@target-uri", "date", "content-digest", "x-custom")
    )
    base = HttpRequest("POST", INBOX, {"Content-Type": "application/activity+json", "X-Custom": "1"}, BODY)
    headers = {**base.headers, **sign_request(base, key_id=KEY_ID, private_key=rsa_pair[0], scheme=scheme, now=NOW, covered=covered)}
    del headers["X-Custom"]
    assert reason(outcome(headers, rsa_pair[1])) == "coverage"


def test_date_header_is_imf_fixdate():
    assert format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_parsed_signature_failure_is_never_falsy():
    assert bool(SignatureFailure("missing", ""))
    assert isinstance(parse_signature(HttpRequest("GET", INBOX, {})), SignatureFailure)
    assert not isinstance(parse_signature(HttpRequest("GET", INBOX, {})), ParsedSignature)


def test_cavage_expired_signature_is_date(ed25519_pair):
    headers = sign(ed25519_pair[0])
    headers["Signature"] = headers["Signature"].replace(
        'headers="', 'headers="(expires) '
    ) + f",expires={int(NOW) - 10}"
    assert reason(outcome(headers, ed25519_pair[1])) == "date"


def test_cavage_created_far_in_the_future_is_date(ed25519_pair):
    headers = sign(ed25519_pair[0], covered=("(request-target)", "host", "(created)", "digest"), now=NOW + 7200)
    assert reason(outcome(headers, ed25519_pair[1])) == "date"
