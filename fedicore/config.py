"""Typed TOML loading shared by the publisher and the inbox.

Config files are read with ``tomllib`` and converted to ``msgspec.Struct`` types, so an unknown
key or a value of the wrong type becomes a ``ConfigError`` that names ``file:line`` — the user
sees where to look instead of a traceback. Pure: callers pass the text in.
"""

from __future__ import annotations

import re
import tomllib
from typing import TypeVar

import msgspec

from fedicore.errors import ConfigError

T = TypeVar("T")

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_VALIDATION = re.compile(r"^(?P<reason>.*?)(?: - at `(?P<where>\$[^`]*)`)?$", re.S)
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def parse_toml(text: str, *, path: str, line_offset: int = 0) -> dict:
    """Parse TOML text; syntax errors become ``ConfigError`` at ``path:line``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_LINE.search(message)
        line = int(found.group(1)) + line_offset if found else None
        reason = _TOML_LINE.sub("", message).strip() or "invalid TOML"
        raise ConfigError(reason, path=path, line=line) from None


def convert(data: dict, type_: type[T], *, text: str, path: str, line_offset: int = 0) -> T:
    """Convert parsed TOML to ``type_``; errors name the line of the offending key."""
    try:
        return msgspec.convert(data, type_, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        parsed = _VALIDATION.match(message)
        reason = parsed.group("reason") if parsed else message
        where = (parsed.group("where") if parsed else None) or "$"
        keys = [m.group(1) or int(m.group(2)) for m in _PATH_PART.finditer(where)]
        unknown = _UNKNOWN.search(reason)
        if unknown:
            keys.append(unknown.group(1))
            reason = f"unknown key {unknown.group(1)!r}"
        else:
            dotted = ".".join(str(k) for k in keys)
            reason = f"{dotted}: {reason}" if dotted else reason
        line = line_of_key(text, [k for k in keys if isinstance(k, str)])
        raise ConfigError(reason, path=path, line=line + line_offset if line else None) from None


def load_toml_text(text: str, type_: type[T], *, path: str, line_offset: int = 0) -> T:
    """Parse and convert in one step (front matter, config files)."""
    data = parse_toml(text, path=path, line_offset=line_offset)
    return convert(data, type_, text=text, path=path, line_offset=line_offset)


def line_of_key(text: str, keys: list[str]) -> int | None:
    """Best-effort 1-based line where the key path ``keys`` is set in TOML ``text``.

    Tracks ``[table]`` headers while scanning; good enough to point a person at the right line.
    """
    if not keys:
        return None
    target_table, leaf = keys[:-1], keys[-1]
    table: list[str] = []
    fallback = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if table == keys:
                return number
            continue
        key = _KEY.match(line)
        if not key:
            continue
        parts = table + [p.strip("\"'") for p in key.group(1).split(".")]
        if parts[-1] != leaf:
            continue
        if parts[:-1] == target_table:
            return number
        if fallback is None:
            fallback = number
    return fallback
