"""The request model and HTTP dates: small pieces every verification relies on."""

from __future__ import annotations

import pytest

from fedicore.httpsig import HttpRequest, ParsedSignature, format_http_date, parse_http_date, verify_request


def test_header_lookup_is_case_insensitive_and_repeated_fields_join():
    req = HttpRequest("GET", "https://blog.example/", {"Content-Type": "a", "X-Tag": "1", "x-tag": "2"})
    assert req.header("content-type") == "a"
    assert req.header("x-tag") == "1, 2"
    assert req.header("missing") is None


@pytest.mark.parametrize(
    "url,parts,target",
    [
        ("https://Blog.Example/v1/inbox", ("https", "blog.example", "/v1/inbox", ""), "/v1/inbox"),
        ("https://blog.example:443/a?b=c#frag", ("https", "blog.example", "/a", "b=c"), "/a?b=c"),
        ("http://127.0.0.1:8080", ("http", "127.0.0.1:8080", "/", ""), "/"),
        ("https://[::1]:8443/%40alice?x", ("https", "[::1]:8443", "/%40alice", "x"), "/%40alice?x"),
    ],
)
def test_url_parts_keep_the_raw_path(url, parts, target):
    req = HttpRequest("GET", url, {})
    assert req.url_parts() == parts
    assert req.request_target == target


@pytest.mark.parametrize("url", ["/relative", "ftp://x/", "https:///nohost", "https://user@host/"])
def test_verify_refuses_a_request_url_that_is_not_absolute_http(url):
    parsed = ParsedSignature("cavage", "k", "hs2019", ("(request-target)",), b"x")
    failure = verify_request(HttpRequest("GET", url, {}), parsed, "", now=0)
    assert failure is not None and failure.reason == "malformed"


@pytest.mark.parametrize(
    "text",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 +0000", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_http_date_forms_are_read(text):
    assert parse_http_date(text) == 784111777.0


@pytest.mark.parametrize("text", ["", "yesterday", "Sun, 06 Nov 1994 25:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, +6 Nov 1994 08:49:37 GMT"])
def test_bad_http_dates_are_none(text):
    assert parse_http_date(text) is None


def test_format_then_parse_round_trips():
    assert parse_http_date(format_http_date(1_800_000_000)) == 1_800_000_000.0
