"""Strict JSON decoding: duplicate keys are refused whatever the spacing and string contents,
and the cheap key count never lets one through (checked against an exact model)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.activity_json import JsonProblem, decode_json_object

# Keys and strings full of the characters that could fool a byte-level count.
TEXT = st.text(alphabet='ab":\\ \t{}[],', max_size=6)
SPACE = st.sampled_from(["", " ", "\n", "\t ", "\r\n"])


@st.composite
def json_value(draw, depth: int = 0):
    """(text, has_duplicate_key) for a random JSON value written with random spacing."""
    if depth > 3 or draw(st.booleans()):
        scalar = draw(st.one_of(TEXT, st.integers(-1000, 1000), st.booleans(), st.none()))
        return json.dumps(scalar), False
    if draw(st.booleans()):
        items = [draw(json_value(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
        return "[" + ",".join(f"{draw(SPACE)}{t}{draw(SPACE)}" for t, _ in items) + "]", \
            any(dup for _, dup in items)
    keys = draw(st.lists(st.sampled_from(["id", "type", 'q"uote', "a:b", "x\\", "a"]), max_size=4))
    members, duplicate = [], len(keys) != len(set(keys))
    for key in keys:
        text, dup = draw(json_value(depth + 1))
        duplicate = duplicate or dup
        members.append(f"{draw(SPACE)}{json.dumps(key)}{draw(SPACE)}:{draw(SPACE)}{text}")
    return "{" + ",".join(members) + "}", duplicate


@settings(max_examples=400, deadline=None)
@given(json_value(), st.sampled_from(["", " ", "\n"]))
def test_duplicate_keys_are_refused_exactly_when_present(value, space) -> None:
    text, duplicate = value
    body = ('{"id":"https://r.example/1","value":' + space + text + "}").encode()
    decoded = decode_json_object(body)
    if duplicate:
        assert isinstance(decoded, JsonProblem) and "duplicate key" in decoded.detail
    else:
        assert decoded == json.loads(body)


def test_a_duplicate_hidden_behind_an_escaped_quote_is_still_found() -> None:
    # The string value adds one to the byte count ('\\":'); the duplicate takes one away.
    body = b'{"type":"Follow","summary":"he said \\": hi","type":"Delete"}'
    decoded = decode_json_object(body)
    assert isinstance(decoded, JsonProblem) and "'type'" in decoded.detail


def test_spaces_between_a_key_and_its_colon_do_not_hide_a_duplicate() -> None:
    decoded = decode_json_object(b'{"type" \n:"Follow", "type"\t: "Delete"}')
    assert isinstance(decoded, JsonProblem) and "duplicate key" in decoded.detail
