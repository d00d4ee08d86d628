"""Decoding compressed bodies under a bound on the decoded size (``fedicore.content_coding``)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from fedicore.content_coding import BodyProblem, BoundedDecoder, decode_body

def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


DOCUMENT = b'{"id": "https://remote.example/users/bob", "type": "Person"}' * 50


@pytest.mark.parametrize("coding, raw", [
    ("gzip", gzip.compress(DOCUMENT)),
    ("x-gzip", gzip.compress(DOCUMENT)),
    ("deflate", zlib.compress(DOCUMENT)),
    ("deflate", _raw_deflate(DOCUMENT)),  # no zlib wrapper, as some servers send
    ("identity", DOCUMENT),
    (None, DOCUMENT),
    ("gzip, gzip", gzip.compress(gzip.compress(DOCUMENT))),
])
def test_each_accepted_encoding_decodes_to_the_document(coding, raw) -> None:
    assert decode_body(raw, coding, limit=len(DOCUMENT)) == DOCUMENT


def test_a_body_fed_in_small_pieces_decodes_the_same() -> None:
    raw = gzip.compress(DOCUMENT)
    decoder = BoundedDecoder("gzip", limit=len(DOCUMENT))
    for start in range(0, len(raw), 7):
        assert not isinstance(decoder.feed(raw[start:start + 7]), BodyProblem)
    assert decoder.finish() == DOCUMENT


def test_the_limit_applies_to_the_decoded_bytes() -> None:
    raw = gzip.compress(DOCUMENT)
    assert len(raw) < 200 < len(DOCUMENT)
    problem = decode_body(raw, "gzip", limit=len(DOCUMENT) - 1)
    assert isinstance(problem, BodyProblem) and problem.reason == "too_large"


def test_a_decompression_bomb_is_refused_after_inflating_no_more_than_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 100_000
    decoder = BoundedDecoder("gzip", limit=1024 * 1024)
    problem = decoder.feed(bomb)
    assert isinstance(problem, BodyProblem) and problem.reason == "too_large"
    assert decoder.size <= 1024 * 1024  # what was kept; never more than the limit
    assert decoder.finish() is problem


def test_an_unknown_encoding_is_refused() -> None:
    problem = decode_body(b"x", "br", limit=100)
    assert isinstance(problem, BodyProblem) and problem.reason == "encoding"
    assert "br" in problem.detail


def test_garbage_under_a_gzip_header_is_refused_not_raised() -> None:
    problem = decode_body(b"not gzip at all", "gzip", limit=100)
    assert isinstance(problem, BodyProblem) and problem.reason == "encoding"


def test_a_gzip_body_cut_short_is_refused() -> None:
    raw = gzip.compress(DOCUMENT)
    problem = decode_body(raw[: len(raw) // 2], "gzip", limit=len(DOCUMENT))
    assert isinstance(problem, BodyProblem) and problem.reason == "encoding"
