"""The values HTTP signature code passes around: a request, a parsed signature, a failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

REASONS = frozenset({"missing", "malformed", "algorithm", "coverage", "digest", "date", "signature", "key"})

_DEFAULT_PORTS = {"http": "80", "https": "443"}


class HttpRequest:
    """An HTTP request as the signature code sees it. ``url`` is absolute (the URL the sender
    used, rebuilt behind a proxy); header lookups are case-insensitive."""

    __slots__ = ("method", "url", "headers", "body", "_lower", "_parts")

    def __init__(self, method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        lower: dict[str, str] = {}
        for name, value in headers.items():
            key = name.lower()
            # The same field twice is one field whose values are joined (RFC 9110 5.3).
            lower[key] = f"{lower[key]}, {value}" if key in lower else value
        self._lower = lower
        self._parts: tuple[str, str, str, str] | None = None

    def header(self, name: str) -> str | None:
        """The field's value (``name`` lower-case), or None."""
        return self._lower.get(name)

    def __repr__(self) -> str:
        return f"HttpRequest({self.method!r}, {self.url!r})"

    def url_parts(self) -> tuple[str, str, str, str]:
        """(scheme, authority, path, query) of ``url``, split without any re-encoding:
        signatures cover the bytes the sender saw."""
        if self._parts is None:
            self._parts = split_url(self.url)
        return self._parts

    @property
    def scheme(self) -> str:
        return self.url_parts()[0]

    @property
    def authority(self) -> str:
        """Lower-case host[:port], default port left out (RFC 9110 4.2.3 normalization)."""
        return self.url_parts()[1]

    @property
    def path(self) -> str:
        return self.url_parts()[2]

    @property
    def query(self) -> str:
        """The query without its '?', '' if none."""
        return self.url_parts()[3]

    @property
    def request_target(self) -> str:
        """Origin-form: path plus '?query' when the URL has a query."""
        scheme, _, path, query = self.url_parts()
        return f"{path}?{query}" if query else path


def split_url(url: str) -> tuple[str, str, str, str]:
    """Split an absolute http(s) URL; raises ValueError when it is not one."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    rest = rest.partition("#")[0]
    cut = len(rest)
    for mark in "/?":
        at = rest.find(mark)
        if 0 <= at < cut:
            cut = at
    authority, tail = rest[:cut], rest[cut:]
    if not authority or "@" in authority:
        raise ValueError(f"URL without a plain host: {url!r}")
    path, _, query = tail.partition("?")
    return scheme, normalize_authority(authority, scheme), path or "/", query


def normalize_authority(authority: str, scheme: str) -> str:
    """Lower-case the host and drop the scheme's default port."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        host, _, port = authority.partition("]")
        host += "]"
        port = port[1:] if port.startswith(":") else port
    else:
        host, _, port = authority.partition(":")
    if port and port == _DEFAULT_PORTS.get(scheme):
        port = ""
    return f"{host}:{port}" if port else host


@dataclass(frozen=True, slots=True)
class SignatureFailure:
    """Why a request's signature is not accepted. ``reason`` is a stable code (see REASONS)
    for metrics and logs; ``detail`` is for humans."""

    reason: str
    detail: str

    def __bool__(self) -> bool:  # a failure is a value, never mistaken for "no failure"
        return True


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """What a signature header says, before any crypto. ``covered`` holds lower-case cavage
    header names ("(request-target)", "host"...) or RFC 9421 component names ("@method",
    "content-digest"...)."""

    scheme: Literal["cavage", "rfc9421"]
    key_id: str
    algorithm: str
    covered: tuple[str, ...]
    signature: bytes
    created: int | None = None
    expires: int | float | None = None
    label: str | None = None
    nonce: str | None = None
    signature_params: str = ""  # RFC 9421: the serialized "@signature-params" value
