"""Property tests: header parsers answer every text with a value or a failure, never an
exception, and formatting then parsing gives back what was formatted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedicore.httpsig import HttpRequest, ParsedSignature, SignatureFailure, parse_http_date, parse_signature
from fedicore.httpsig.cavage import CavageSyntaxError, format_params, parse_params
from fedicore.httpsig.digest import check_content_digest, check_digest
from fedicore.httpsig.structured import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_dictionary,
)

FAST = settings(max_examples=200, deadline=None)

# Text biased towards the characters these grammars care about.
header_text = st.one_of(
    st.text(max_size=120),
    st.text(alphabet='keyIdalgorithmheaderssignature=",;:()?*-_. 0123456789AZaz@\\\t', max_size=160),
)


@FAST
@given(header_text)
def test_cavage_header_parse_never_raises(text):
    result = parse_signature(HttpRequest("POST", "https://blog.example/inbox", {"Signature": text}))
    assert isinstance(result, (ParsedSignature, SignatureFailure))


@FAST
@given(header_text, header_text)
def test_rfc9421_header_parse_never_raises(signature_input, signature):
    req = HttpRequest("POST", "https://blog.example/inbox", {"Signature-Input": signature_input, "Signature": signature})
    assert isinstance(parse_signature(req), (ParsedSignature, SignatureFailure))


@FAST
@given(header_text)
def test_structured_dictionary_parse_raises_only_its_own_error(text):
    try:
        parse_dictionary(text)
    except StructuredFieldError:
        pass


@FAST
@given(header_text, st.binary(max_size=64))
def test_digest_checks_never_raise(text, body):
    assert check_digest(text, body) is None or isinstance(check_digest(text, body), str)
    assert check_content_digest(text, body) is None or isinstance(check_content_digest(text, body), str)


@FAST
@given(st.text(max_size=40))
def test_http_date_parse_never_raises(text):
    result = parse_http_date(text)
    assert result is None or isinstance(result, float)


param_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=12)
param_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.integers(min_value=0, max_value=10**12),
)


@FAST
@given(st.dictionaries(param_names, param_values, min_size=1, max_size=6))
def test_cavage_params_round_trip(params):
    parsed = parse_params(format_params(params))
    assert parsed == {k: str(v) for k, v in params.items()}


keys_st = st.from_regex(r"[a-z*][a-z0-9_\-.*]{0,8}", fullmatch=True)
bare_items = st.one_of(
    st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
    st.from_regex(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]{0,10}", fullmatch=True).map(Token),
    st.binary(max_size=30),
    st.booleans(),
)
params_st = st.dictionaries(keys_st, bare_items, max_size=3)
items_st = st.builds(Item, bare_items, params_st)
members_st = st.one_of(items_st, st.builds(InnerList, st.lists(items_st, max_size=4).map(tuple), params_st))


@FAST
@given(st.dictionaries(keys_st, members_st, min_size=1, max_size=4))
def test_structured_dictionary_round_trips(members):
    text = serialize_dictionary(members)
    assert parse_dictionary(text) == members
    assert serialize_dictionary(parse_dictionary(text)) == text


@pytest.mark.parametrize(
    "text",
    ["a=1, a=2", 'a=("x");k=1;k=2', "a=(", 'a="\\x"', "a=:!!:", "a=1,", "a=?2", "A=1", "a=1234567890123456", "a=1.2345"],
)
def test_structured_dictionary_refuses(text):
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


@pytest.mark.parametrize("text", ['keyId="a",keyId="b"', "keyId", 'keyId="a" x', "=1", 'a="b', 'a="\x01"'])
def test_cavage_params_refuse(text):
    with pytest.raises(CavageSyntaxError):
        parse_params(text)


def test_cavage_params_accept_spaces_around_commas_and_equals():
    assert parse_params('keyId = "a" , signature="b"') == {"keyId": "a", "signature": "b"}


@FAST
@given(st.dictionaries(keys_st, members_st, min_size=1, max_size=4))
def test_structured_serialization_agrees_with_http_sfv(members):
    """A second, independent RFC 8941 implementation reads what we write the same way."""
    http_sfv = pytest.importorskip("http_sfv")
    text = serialize_dictionary(members)
    other = http_sfv.Dictionary()
    other.parse(text.encode("ascii"))
    assert str(other) == text


@pytest.fixture(scope="module")
def signed_requests(rsa_pair):
    from fedicore.httpsig import sign_request

    out = {}
    for scheme in ("cavage", "rfc9421"):
        base = HttpRequest("POST", "https://blog.example/inbox", {"Content-Type": "application/activity+json"}, b"{}")
        out[scheme] = ({**base.headers, **sign_request(base, key_id="https://p.example/a#k", private_key=rsa_pair[0], scheme=scheme, now=1_800_000_000)}, rsa_pair[1])
    return out


@settings(max_examples=150, deadline=None)
@given(
    scheme=st.sampled_from(["cavage", "rfc9421"]),
    field=st.sampled_from(["Host", "Date", "Digest", "Content-Digest", "Content-Type", "Signature", "Signature-Input"]),
    value=header_text,
    url=st.sampled_from(["https://blog.example/inbox", "https://blog.example", "ftp://x", "https://", "https://[::1]:99/x?y#z"]),
)
def test_verify_never_raises_on_a_tampered_request(signed_requests, scheme, field, value, url):
    headers, public_pem = signed_requests[scheme]
    req = HttpRequest("POST", url, {**headers, field: value}, b"{}")
    parsed = parse_signature(req)
    if isinstance(parsed, ParsedSignature):
        from fedicore.httpsig import verify_request

        result = verify_request(req, parsed, public_pem, now=1_800_000_000)
        assert result is None or isinstance(result, SignatureFailure)
        bound = {"cavage": {"Host", "Date", "Digest", "Content-Type", "Signature"},
                 "rfc9421": {"Host", "Date", "Content-Digest", "Content-Type", "Signature", "Signature-Input"}}
        if result is None and field in bound[scheme]:  # a bound field verifies only unchanged
            assert value.strip() == headers[field].strip() and url == "https://blog.example/inbox"
