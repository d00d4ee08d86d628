"""A small, strict RFC 8941 (Structured Field Values) parser and serializer.

Only what RFC 9421 and RFC 9530 need: Dictionaries whose members are Items or Inner Lists,
with parameters. Stricter than RFC 8941 on purpose: a duplicated dictionary key or parameter
is an error (RFC 8941 says "last one wins"), because a signature header that says two things
must not be trusted to mean either. Every error is a ``StructuredFieldError`` (a ValueError).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Union


class StructuredFieldError(ValueError):
    """The field value is not a valid (strict) RFC 8941 structure."""


class Token(str):
    """An RFC 8941 Token, kept apart from String so serialization round-trips."""

    __slots__ = ()


BareItem = Union[int, float, str, Token, bytes, bool]
Params = dict[str, BareItem]


@dataclass(frozen=True, slots=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Union[Item, InnerList]

_LCALPHA = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_KEY_FIRST = _LCALPHA | {"*"}
_KEY_REST = _LCALPHA | _DIGITS | frozenset("_-.*")
_ALPHA = _LCALPHA | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TCHAR = _ALPHA | _DIGITS | frozenset("!#$%&'*+-.^_`|~")
_TOKEN_REST = _TCHAR | frozenset(":/")
_TOKEN_RE = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*\Z")
_KEY_RE = re.compile(r"[a-z*][a-z0-9_\-.*]*\Z")
_B64_TEXT = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


class _Parser:
    __slots__ = ("text", "pos", "end")

    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise StructuredFieldError("non-ASCII character in structured field")
        self.text = text
        self.pos = 0
        self.end = len(text)

    def fail(self, why: str) -> StructuredFieldError:
        return StructuredFieldError(f"{why} at offset {self.pos}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def skip_sp(self) -> None:
        while self.pos < self.end and self.text[self.pos] == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.pos < self.end and self.text[self.pos] in " \t":
            self.pos += 1

    def dictionary(self) -> dict[str, Member]:
        out: dict[str, Member] = {}
        self.skip_sp()
        while self.pos < self.end:
            name = self.key()
            if name in out:
                raise self.fail(f"duplicated dictionary key {name!r}")
            if self.peek() == "=":
                self.pos += 1
                out[name] = self.item_or_inner_list()
            else:
                out[name] = Item(True, self.params())
            self.skip_ows()
            if self.pos >= self.end:
                return out
            if self.text[self.pos] != ",":
                raise self.fail("expected ',' between dictionary members")
            self.pos += 1
            self.skip_ows()
            if self.pos >= self.end:
                raise self.fail("trailing comma")
        return out

    def item_or_inner_list(self) -> Member:
        if self.peek() == "(":
            return self.inner_list()
        return self.item()

    def inner_list(self) -> InnerList:
        self.pos += 1  # "("
        items: list[Item] = []
        while self.pos < self.end:
            self.skip_sp()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise self.fail("expected ' ' or ')' in inner list")
        raise self.fail("unterminated inner list")

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.params())

    def params(self) -> Params:
        out: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_sp()
            name = self.key()
            if name in out:
                raise self.fail(f"duplicated parameter {name!r}")
            if self.peek() == "=":
                self.pos += 1
                out[name] = self.bare_item()
            else:
                out[name] = True
        return out

    def key(self) -> str:
        start = self.pos
        if self.peek() not in _KEY_FIRST or self.pos >= self.end:
            raise self.fail("expected a key")
        self.pos += 1
        while self.pos < self.end and self.text[self.pos] in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_item(self) -> BareItem:
        c = self.peek()
        if c == "-" or (c and c in _DIGITS):
            return self.number()
        if c == '"':
            return self.string()
        if c == ":":
            return self.byte_sequence()
        if c == "?":
            return self.boolean()
        if c and (c in _ALPHA or c == "*"):
            return self.token()
        raise self.fail("expected an item")

    def number(self) -> int | float:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.pos < self.end and self.text[self.pos] in _DIGITS:
            self.pos += 1
        int_len = self.pos - digits_start
        if int_len == 0:
            raise self.fail("expected a digit")
        if self.peek() != ".":
            if int_len > 15:
                raise self.fail("integer too long")
            return int(self.text[start : self.pos])
        if int_len > 12:
            raise self.fail("decimal integer part too long")
        self.pos += 1
        frac_start = self.pos
        while self.pos < self.end and self.text[self.pos] in _DIGITS:
            self.pos += 1
        if not 1 <= self.pos - frac_start <= 3:
            raise self.fail("decimal needs 1 to 3 fractional digits")
        return float(self.text[start : self.pos])

    def string(self) -> str:
        text = self.text
        close = text.find('"', self.pos + 1)
        if close >= 0:
            chunk = text[self.pos + 1 : close]
            if "\\" not in chunk:  # the common case: no escapes, one slice
                if chunk and not chunk.isprintable():
                    raise self.fail("control character in string")
                self.pos = close + 1
                return chunk
        self.pos += 1  # opening quote
        chars: list[str] = []
        while self.pos < self.end:
            c = text[self.pos]
            self.pos += 1
            if c == "\\":
                if self.pos >= self.end or text[self.pos] not in '"\\':
                    raise self.fail("bad escape in string")
                chars.append(text[self.pos])
                self.pos += 1
            elif c == '"':
                return "".join(chars)
            elif " " <= c <= "~":
                chars.append(c)
            else:
                raise self.fail("control character in string")
        raise self.fail("unterminated string")

    def token(self) -> Token:
        start = self.pos
        self.pos += 1
        while self.pos < self.end and self.text[self.pos] in _TOKEN_REST:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        self.pos += 1
        close = self.text.find(":", self.pos)
        if close < 0:
            raise self.fail("unterminated byte sequence")
        chunk = self.text[self.pos : close]
        if chunk.strip(_B64_TEXT):  # anything left over is a character outside base64
            raise self.fail("invalid base64 in byte sequence")
        self.pos = close + 1
        stripped = chunk.rstrip("=")
        if "=" in stripped or len(chunk) - len(stripped) > 2:
            raise self.fail("misplaced base64 padding")
        try:
            return base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise self.fail("invalid base64 in byte sequence") from None

    def boolean(self) -> bool:
        self.pos += 1
        c = self.peek()
        if c not in ("0", "1") or not c:
            raise self.fail("expected ?0 or ?1")
        self.pos += 1
        return c == "1"


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse an RFC 8941 Dictionary; duplicated keys or parameters are errors."""
    parser = _Parser(text)
    result = parser.dictionary()
    parser.skip_sp()
    if parser.pos != parser.end:  # pragma: no cover - dictionary() consumes everything
        raise parser.fail("trailing characters")
    return result


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise StructuredFieldError("integer out of range")
        return str(value)
    if isinstance(value, float):
        rounded = round(value, 3)
        if abs(rounded) >= 1e12:
            raise StructuredFieldError("decimal out of range")
        text = f"{rounded:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, Token):
        if not _TOKEN_RE.match(value):
            raise StructuredFieldError(f"invalid token {value!r}")
        return str(value)
    if isinstance(value, str):
        if value and not (value.isascii() and value.isprintable()):
            raise StructuredFieldError("string with a non-printable or non-ASCII character")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise StructuredFieldError(f"cannot serialize {type(value).__name__}")


def _check_key(name: str) -> str:
    if not _KEY_RE.match(name):
        raise StructuredFieldError(f"invalid key {name!r}")
    return name


def serialize_params(params: Params) -> str:
    parts = []
    for name, value in params.items():
        parts.append(";" + _check_key(name))
        if value is not True:
            parts.append("=" + serialize_bare_item(value))
    return "".join(parts)


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return "(" + " ".join(serialize_item(i) for i in inner.items) + ")" + serialize_params(inner.params)


def serialize_member(member: Member) -> str:
    if isinstance(member, InnerList):
        return serialize_inner_list(member)
    return serialize_item(member)


def serialize_dictionary(members: dict[str, Member]) -> str:
    parts = []
    for name, member in members.items():
        if isinstance(member, Item) and member.value is True:
            parts.append(_check_key(name) + serialize_params(member.params))
        else:
            parts.append(_check_key(name) + "=" + serialize_member(member))
    return ", ".join(parts)
