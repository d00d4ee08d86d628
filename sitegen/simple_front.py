"""Front matter as people and generators usually write it, read without the TOML parser.

One ``key = value`` a line, values being one-line strings without escapes, `true`/`false`,
dates and times, or one-line lists of such strings: what `tomllib` reads from those, ~5x
faster (the TOML parser was a third of a post's parse). Anything else (tables, multi-line
values, escapes, comments after a value, numbers, other keys) gives None, and the TOML parser
reads the front matter as before, with its errors.
"""

from __future__ import annotations

import datetime as dt
import re

_LINE = re.compile(r"([a-z_]+)[ \t]*=[ \t]*(.*?)[ \t]*")  # TOML's whitespace: space, tab
_CHARS = r"[^\x00-\x08\x0a-\x1f\x7f{quote}{more}]*"  # TOML's one-line strings, no escapes
_BASIC = '"' + _CHARS.format(quote='"', more=r"\\") + '"'
_LITERAL = "'" + _CHARS.format(quote="'", more="") + "'"
_STRING = re.compile(f"{_BASIC}|{_LITERAL}")
_STRINGS = re.compile(
    rf"\[[ \t]*(?:(?:{_BASIC}|{_LITERAL})[ \t]*,[ \t]*)*(?:(?:{_BASIC}|{_LITERAL})[ \t]*)?\]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})?")


def read_simple(front: str, keys: frozenset[str]) -> dict | None:
    """The front matter's keys and values as `tomllib.loads` gives them, or None when it is not
    written that simply (or names a key not in ``keys``, or one twice)."""
    if '"""' in front or "'''" in front:
        return None
    found: dict = {}
    for line in front.split("\n"):
        if not line.strip(" \t"):
            continue
        if line.lstrip(" \t")[0] == "#":
            if _CONTROL.search(line):
                return None  # the parser refuses it: let it say so
            continue
        key_value = _LINE.fullmatch(line)
        if key_value is None:
            return None
        key, text = key_value.groups()
        if key not in keys or key in found:
            return None
        value = _value(text)
        if value is None:
            return None
        found[key] = value
    return found


def _value(text: str):
    if text == "true" or text == "false":
        return text == "true"
    first = text[:1]
    if first == '"' or first == "'":
        return text[1:-1] if _STRING.fullmatch(text) else None
    if first == "[":
        if not _STRINGS.fullmatch(text):
            return None
        return [m.group(0)[1:-1] for m in _STRING.finditer(text)]
    if _DATE_TIME.fullmatch(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:  # 2024-13-45: the parser says what is wrong
            return None
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    return None
