"""Strict decoding of a received activity: the JSON checks that come after the signature.

Pure: bytes in, a dict or a ``JsonProblem`` out. msgspec does the fast parse (and already
refuses NaN/Infinity and out-of-range floats); we bound nesting and integer size ourselves, and
refuse duplicate keys (``{"type":"Follow","type":"Delete"}`` means different things to
different parsers).

Duplicates are ruled out cheaply first. In valid JSON a string followed by ``:`` is a key, and
inside a string a ``"`` is always escaped, so counting ``"`` + optional whitespace + ``:`` in
the raw bytes gives every key written plus, at most, some escaped quotes inside strings. The
decoded objects hold every key written minus the duplicates. When the two counts are equal
there is neither a duplicate nor an over-count; otherwise the stdlib scanner decides exactly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import msgspec

MAX_DEPTH = 32
MAX_INT = 2**63 - 1
# A real activity holds a few hundred values; half a million fit in 1 MiB and would cost
# seconds of CPU in the duplicate-key pass. Containers are counted on the raw bytes first
# (an over-count: brackets inside strings count too) so a body of nested lists is refused
# before it is decoded at all.
MAX_VALUES = 50_000
_decoder = msgspec.json.Decoder()
_KEY_END = re.compile(rb'"[ \t\n\r]*:')


@dataclass(frozen=True, slots=True)
class JsonProblem:
    """Why a body is not an acceptable activity (answered as 400 with this reason)."""

    reason: str
    detail: str


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return dict(pairs)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _shape_problem(value: Any, depth: int = 0, budget: list[int] | None = None) -> str | None:
    """Nesting deeper than MAX_DEPTH, more than MAX_VALUES values or an integer outside 64
    bits, else None. ``budget[1]`` counts the keys of every object met."""
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    if budget is None:
        budget = [MAX_VALUES, 0]
    budget[0] -= 1
    if budget[0] < 0:
        return f"more than {MAX_VALUES} JSON values"
    if isinstance(value, dict):
        budget[1] += len(value)
        for item in value.values():
            problem = _shape_problem(item, depth + 1, budget)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _shape_problem(item, depth + 1, budget)
            if problem:
                return problem
    elif isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT:
        return "integer out of range"
    return None


def decode_json_object(raw: bytes) -> dict[str, Any] | JsonProblem:
    """Decode a JSON object strictly (no duplicates, NaN, deep nesting or huge numbers)."""
    if raw.count(b"[") + raw.count(b"{") > MAX_VALUES:
        return JsonProblem("json", f"more than {MAX_VALUES} JSON values")
    try:
        value = _decoder.decode(raw)
    except RecursionError:
        return JsonProblem("json", f"nested deeper than {MAX_DEPTH} levels")
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return JsonProblem("json", f"not valid JSON: {exc}")
    if not isinstance(value, dict):
        return JsonProblem("json", "the top level must be a JSON object")
    budget = [MAX_VALUES, 0]
    problem = _shape_problem(value, 0, budget)
    if problem:
        return JsonProblem("json", problem)
    if len(_KEY_END.findall(raw)) == budget[1]:
        return value  # every key written is a distinct key decoded: no duplicates
    try:
        json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except _Duplicate as exc:
        return JsonProblem("json", f"duplicate key {str(exc)!r}")
    except (ValueError, RecursionError) as exc:
        return JsonProblem("json", f"not valid JSON: {exc}")
    return value


def parse_activity(raw: bytes) -> dict[str, Any] | JsonProblem:
    """A strict JSON object with string ``id``, ``type`` and ``actor`` (an IRI or an object with one)."""
    value = decode_json_object(raw)
    if isinstance(value, JsonProblem):
        return value
    for field in ("id", "type", "actor"):
        if field not in value:
            return JsonProblem("activity", f"missing {field!r}")
    actor = value["actor"]
    if isinstance(actor, dict):
        actor = actor.get("id")
    if not isinstance(actor, str) or not actor.startswith(("https://", "http://")):
        return JsonProblem("activity", "'actor' must be an http(s) IRI")
    if not isinstance(value["id"], str) or not value["id"].startswith(("https://", "http://")):
        return JsonProblem("activity", "'id' must be an http(s) IRI")
    if not isinstance(value["type"], str) or not value["type"]:
        return JsonProblem("activity", "'type' must be a string")
    if len(value["id"]) > 2048:
        return JsonProblem("activity", "'id' is too long")
    value["actor"] = actor
    return value
