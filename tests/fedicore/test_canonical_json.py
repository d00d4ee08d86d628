"""`integrity.canonical` is RFC 8785 (JCS) byte for byte, whichever encoder makes the bytes:
the fast one for plain documents (strings, whole numbers, lists, objects), the reference
library for anything else (floats, huge integers, keys outside the Basic Multilingual
Plane)."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from fedicore import integrity

TRICKY = [
    {"b": 1, "a": [1, {"z": None, "y": True, "é": "x"}], "A": -(2 ** 53) + 1, "": False},
    {"text": "".join(chr(c) for c in range(0x300)) + "\u2028\u2029\x7f\ufeff😀"},
    {"\ue000": 1, "😀": 2, "a": 3},  # UTF-16 order puts the emoji's surrogates first
    {"n": 1.5, "m": -0.0, "big": 1e21, "small": 5e-324, "int_float": 3.0},
    {"edge": 2 ** 53 - 1, "list": (1, "two", [3])},
    [], {}, "plain", 0, None, True, [{"nested": {"deeper": [{"k": "v\n\t\"\\"}]}}],
]


@pytest.mark.parametrize("document", TRICKY)
def test_the_same_bytes_as_the_reference_library(document):
    assert integrity.canonical(document) == rfc8785.dumps(document)


@pytest.mark.parametrize("document", [{"too_big": 2 ** 53}, {1: "key"}, {"x": {1, 2}},
                                      {"nan": float("nan")}, {"bytes": b"x"}])
def test_what_json_cannot_hold_is_a_value_error(document):
    with pytest.raises(ValueError):
        integrity.canonical(document)


_KEYS = st.text(max_size=8)
_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 53) + 1, 2 ** 53 - 1) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_PLAIN)
def test_any_json_document_gives_the_reference_bytes(document):
    try:
        expected = rfc8785.dumps(document)
    except UnicodeEncodeError:  # lone surrogates: not UTF-8, so not JSON
        with pytest.raises(ValueError):
            integrity.canonical(document)
        return
    assert integrity.canonical(document) == expected
