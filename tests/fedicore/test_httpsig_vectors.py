"""Published test vectors: draft-cavage-12 appendix C, RFC 9421 appendix B.2.6 (Ed25519),
RFC 9530 Content-Digest examples, and a known SHA-256 Digest."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from fedicore import keys
from fedicore.httpsig import (
    HttpRequest,
    ParsedSignature,
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
    parse_http_date,
    parse_signature,
    verify_request,
)
from fedicore.httpsig import cavage, rfc9421
from fedicore.httpsig.crypto import sign_bytes, verify_bytes

# draft-cavage-http-signatures-12, appendix C (a 1024-bit test key: fine for vectors only).
CAVAGE_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
CAVAGE_PRIVATE = """-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""
CAVAGE_BODY = b'{"hello": "world"}'
CAVAGE_HEADERS = {
    "Host": "example.com",
    "Date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
CAVAGE_URL = "http://example.com/foo?param=value&pet=dog"
CAVAGE_NOW = parse_http_date("Sun, 05 Jan 2014 21:31:40 GMT")
DEFAULT_SIG = (
    "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+"
    "lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="
)
BASIC_SIG = (
    "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFY"
    "Rqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="
)
ALL_HEADERS_SIG = (
    "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V0"
    "1IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
)


def cavage_request(signature_header: str) -> HttpRequest:
    return HttpRequest("POST", CAVAGE_URL, {**CAVAGE_HEADERS, "Signature": signature_header}, CAVAGE_BODY)


def check_cavage_vector(headers_param: str | None, expected_sig: str, expected_string: str) -> ParsedSignature:
    header = 'keyId="Test",algorithm="rsa-sha256",'
    if headers_param is not None:
        header += f'headers="{headers_param}",'
    req = cavage_request(header + f'signature="{expected_sig}"')
    parsed = parse_signature(req)
    assert isinstance(parsed, ParsedSignature)
    assert cavage.signing_string(req, parsed) == expected_string
    key = keys.load_public_key(CAVAGE_PUBLIC)
    assert verify_bytes(parsed.algorithm, key, expected_string.encode(), parsed.signature, min_rsa_bits=1024) is None
    # RSASSA-PKCS1-v1_5 is deterministic: signing the same string gives the published value.
    private = keys.load_private_key(CAVAGE_PRIVATE)
    assert base64.b64encode(sign_bytes(private, expected_string.encode())).decode() == expected_sig
    return parsed


def test_cavage_default_test_signs_only_date():
    parsed = check_cavage_vector(None, DEFAULT_SIG, "date: Sun, 05 Jan 2014 21:31:40 GMT")
    assert parsed.covered == ("date",)


def test_cavage_basic_test():
    check_cavage_vector(
        "(request-target) host date",
        BASIC_SIG,
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT",
    )


def test_cavage_all_headers_test():
    check_cavage_vector(
        "(request-target) host date content-type digest content-length",
        ALL_HEADERS_SIG,
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\n"
        "date: Sun, 05 Jan 2014 21:31:40 GMT\ncontent-type: application/json\n"
        "digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-length: 18",
    )


def test_cavage_all_headers_test_passes_the_full_inbox_policy():
    req = cavage_request(
        'keyId="Test",algorithm="rsa-sha256",'
        'headers="(request-target) host date content-type digest content-length",'
        f'signature="{ALL_HEADERS_SIG}"'
    )
    parsed = parse_signature(req)
    assert verify_request(req, parsed, CAVAGE_PUBLIC, now=CAVAGE_NOW, min_rsa_bits=1024) is None


def test_cavage_basic_test_fails_the_inbox_policy_for_lack_of_digest():
    req = cavage_request(f'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="{BASIC_SIG}"')
    failure = verify_request(req, parse_signature(req), CAVAGE_PUBLIC, now=CAVAGE_NOW, min_rsa_bits=1024)
    assert failure is not None and failure.reason == "coverage"


def test_cavage_test_key_is_refused_by_default_as_too_short():
    req = cavage_request(
        'keyId="Test",algorithm="rsa-sha256",'
        'headers="(request-target) host date content-type digest content-length",'
        f'signature="{ALL_HEADERS_SIG}"'
    )
    failure = verify_request(req, parse_signature(req), CAVAGE_PUBLIC, now=CAVAGE_NOW)
    assert failure is not None and failure.reason == "key"


def test_cavage_authorization_header_form_is_read():
    req = HttpRequest("POST", CAVAGE_URL, {**CAVAGE_HEADERS, "Authorization": f'Signature keyId="Test",algorithm="rsa-sha256",signature="{DEFAULT_SIG}"'}, CAVAGE_BODY)
    parsed = parse_signature(req)
    assert isinstance(parsed, ParsedSignature) and parsed.key_id == "Test"


# RFC 9421 appendix B.1.4 test-key-ed25519 (JWK d and x) and B.2.6.
ED25519_SEED = base64.urlsafe_b64decode("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU=")
ED25519_X = base64.urlsafe_b64decode("JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs=")
B26_INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"'
B26_SIGNATURE = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@method": POST\n"@path": /foo\n"@authority": example.com\n'
    '"content-type": application/json\n"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B2_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}


def b26_request() -> HttpRequest:
    headers = {**B2_HEADERS, "Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}
    return HttpRequest("POST", "https://example.com/foo?param=Value&Pet=dog", headers, CAVAGE_BODY)


def test_rfc9421_b26_signature_base_is_built_exactly():
    req = b26_request()
    parsed = parse_signature(req)
    assert isinstance(parsed, ParsedSignature)
    assert (parsed.scheme, parsed.label, parsed.key_id, parsed.algorithm) == ("rfc9421", "sig-b26", "test-key-ed25519", "")
    assert rfc9421.signature_base(req, parsed.covered, parsed.signature_params) == B26_BASE


def test_rfc9421_b26_ed25519_signature_verifies_and_is_reproduced():
    parsed = parse_signature(b26_request())
    public = ed25519.Ed25519PublicKey.from_public_bytes(ED25519_X)
    assert verify_bytes(parsed.algorithm, public, B26_BASE.encode(), parsed.signature) is None
    private = ed25519.Ed25519PrivateKey.from_private_bytes(ED25519_SEED)
    assert sign_bytes(private, B26_BASE.encode()) == parsed.signature
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert b"MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=" in pem


def test_rfc9421_b26_fails_inbox_policy_because_content_digest_is_not_covered():
    req = b26_request()
    now = parse_http_date(B2_HEADERS["Date"])
    public = ed25519.Ed25519PublicKey.from_public_bytes(ED25519_X)
    failure = verify_request(req, parse_signature(req), public, now=now)
    assert failure is not None and failure.reason == "coverage"


def test_rfc9421_derived_components_match_section_2_2():
    req = HttpRequest("POST", "https://www.example.com/path?param=value&foo=bar&baz=batman", {"Host": "www.example.com"})
    values = {name: rfc9421.component_value(req, name) for name in sorted(rfc9421.DERIVED)}
    assert values == {
        "@authority": "www.example.com",
        "@method": "POST",
        "@path": "/path",
        "@query": "?param=value&foo=bar&baz=batman",
        "@request-target": "/path?param=value&foo=bar&baz=batman",
        "@scheme": "https",
        "@target-uri": "https://www.example.com/path?param=value&foo=bar&baz=batman",
    }
    bare = HttpRequest("GET", "http://www.example.com:80", {})
    assert rfc9421.component_value(bare, "@query") == "?"
    assert rfc9421.component_value(bare, "@path") == "/"
    assert rfc9421.component_value(bare, "@authority") == "www.example.com"


# RFC 9530 section 2 / appendix B: the body {"hello": "world"}.
RFC9530_SHA256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
RFC9530_SHA512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"


def test_rfc9530_content_digest_examples():
    assert content_digest_header(CAVAGE_BODY) == RFC9530_SHA256
    assert check_content_digest(RFC9530_SHA256, CAVAGE_BODY) is None
    assert check_content_digest(RFC9530_SHA512, CAVAGE_BODY) is None
    assert check_content_digest(f"{RFC9530_SHA256}, {RFC9530_SHA512}", CAVAGE_BODY) is None
    assert check_content_digest(RFC9530_SHA256, b'{"hello": "world!"}') is not None


def test_known_sha256_digest_of_hello_world():
    assert digest_header(b"Hello world") == "SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="
    assert hashlib.sha256(b"Hello world").hexdigest().startswith("64ec88ca00b268e5")
    assert check_digest("SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=", b"Hello world") is None
