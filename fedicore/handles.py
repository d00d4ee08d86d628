"""``@user@domain`` handles, as people type them and as WebFinger (``acct:``) writes them."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

# RFC 7565 userpart: unreserved / sub-delims / pct-encoded, without '@'.
_USER_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%"
)
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _check_user(user: str) -> str:
    if not user:
        raise ValueError("handle has no user name")
    if len(user) > 255:
        raise ValueError("user name is too long")
    bad = sorted({c for c in user if c not in _USER_CHARS})
    if bad:
        raise ValueError(f"user name has characters a handle cannot carry: {''.join(bad)!r}")
    return user


@functools.lru_cache(maxsize=8192)  # pure, and on every inbox request (keyId, actor, id)
def _check_domain(domain: str) -> str:
    """Lower-case, IDNA-encode and validate ``host[:port]``."""
    if not domain:
        raise ValueError("handle has no domain")
    domain = domain.lower()
    if domain.startswith("["):
        host, sep, rest = domain[1:].partition("]")
        if not sep:
            raise ValueError("unclosed '[' in domain")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{host!r} is not an IPv6 address") from None
        host = f"[{host}]"
        if rest and not rest.startswith(":"):
            raise ValueError("junk after ']' in domain")
        port = rest[1:] if rest else None
    else:
        host, sep, port_text = domain.partition(":")
        port = port_text if sep else None
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise ValueError(f"{host!r} is not a valid internationalized domain") from None
        if len(host) > 253:
            raise ValueError("domain is too long")
        for label in host.split("."):
            if not label or len(label) > 63 or label[0] == "-" or label[-1] == "-" or any(
                c not in _LABEL_CHARS for c in label
            ):
                raise ValueError(f"{host!r} is not a valid domain name")
    if port is not None:
        if not port.isdigit() or not port.isascii() or not 0 < int(port) < 65536 or port[0] == "0":
            raise ValueError(f"{port!r} is not a valid port")
        return f"{host}:{port}"
    return host


@dataclass(frozen=True, slots=True)
class Handle:
    """A fediverse account name. ``domain`` is lower-cased and may carry ``:port``."""

    user: str
    domain: str

    def __post_init__(self) -> None:
        _check_user(self.user)
        object.__setattr__(self, "domain", _check_domain(self.domain))

    @classmethod
    def parse(cls, text: str) -> "Handle":
        """Read ``@alice@blog.example``, ``alice@blog.example`` or ``acct:alice@blog.example``."""
        if not isinstance(text, str):
            raise ValueError("handle must be text")
        value = text.strip()
        if value[:5].lower() == "acct:":
            value = value[5:]
        elif value.startswith("@"):
            value = value[1:]
        user, sep, domain = value.partition("@")
        if not sep:
            raise ValueError(f"{text!r} is not a handle like @user@domain")
        if "@" in domain:
            raise ValueError(f"{text!r} has more than one '@' after the user name")
        return cls(user, domain)

    @property
    def acct(self) -> str:
        """``alice@blog.example``, the WebFinger resource without ``acct:``."""
        return f"{self.user}@{self.domain}"

    @property
    def acct_uri(self) -> str:
        return f"acct:{self.user}@{self.domain}"

    def __str__(self) -> str:
        return f"@{self.user}@{self.domain}"


def domain_of_url(url: object) -> str | None:
    """The handle domain of an http(s) URL (``host[:port]``, lower-case, IDNA, no trailing dot),
    or None when it has none or hides its host behind user info (``https://x@evil.example``).

    Moderation compares this to its patterns, so every spelling of one host must give one answer."""
    if not isinstance(url, str):
        return None
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    authority = rest
    for mark in "/?#":
        authority = authority.partition(mark)[0]
    if not authority or "@" in authority or "\\" in authority:
        return None
    host, colon, port = authority.rpartition(":") if not authority.endswith("]") else (authority, "", "")
    if not colon or "]" in port:
        host, colon, port = authority, "", ""
    host = host.rstrip(".")
    try:
        return _check_domain(f"{host}{colon}{port}")
    except ValueError:
        return None
