"""Moderation patterns: `@user@domain`, `@*@domain`, `@*@*`, `@*@*.example.com`.

Pure: parse a line into a ``Pattern``, match a sender against it, parse a whole text/plain list
(one pattern a line) into patterns or the first bad line. Matching ignores case (domains are
case-insensitive by DNS, usernames by Mastodon). A domain pattern covers subdomains only when
written with ``*.``: ``*.example.com`` covers ``example.com`` and every ``x.example.com``,
while ``example.com`` covers that host alone. A pattern without a port covers every port of
its host; a pattern with a port covers only that port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fedicore.handles import Handle

ANY = "*"


class Sender(Protocol):
    """Anything with ``user`` and ``domain`` (``fedicore.handles.Handle`` is one)."""

    user: str
    domain: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """One list entry. ``user`` is ``*`` for any user; ``domain`` is ``*``, a host
    (``example.com``, maybe with ``:port``) or ``*.`` + a host for it and its subdomains."""

    user: str
    domain: str

    def __str__(self) -> str:
        return f"@{self.user}@{self.domain}"

    @property
    def is_domain_wide(self) -> bool:
        return self.user == ANY

    def matches(self, sender: Sender) -> bool:
        if self.user != ANY and self.user.lower() != sender.user.lower():
            return False
        return domain_matches(self.domain, sender.domain)


@dataclass(frozen=True, slots=True)
class LineError:
    """Why line ``line`` (1-based) of a list is not a pattern."""

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r}: {self.reason}"


def split_port(domain: str) -> tuple[str, str | None]:
    """(host, port or None); `[v6]:port` understood."""
    if domain.startswith("["):
        host, _, rest = domain.partition("]")
        host += "]"
        return host, (rest[1:] if rest.startswith(":") else None)
    if ":" in domain:
        host, _, port = domain.rpartition(":")
        return host, port
    return domain, None


def domain_matches(pattern_domain: str, domain: str) -> bool:
    """Does a pattern's domain part cover ``domain``? Both compared lower-case."""
    if pattern_domain == ANY:
        return True
    domain = domain.lower().rstrip(".")
    want_host, want_port = split_port(pattern_domain.lower())
    host, port = split_port(domain)
    if want_port is not None and want_port != port:
        return False
    if want_host.startswith("*."):
        base = want_host[2:]
        return host == base or host.endswith("." + base)
    return host == want_host


def parse_domain(text: str) -> str:
    """Normalise a domain pattern (``*``, ``host[:port]``, ``*.host[:port]``); ValueError if bad.
    Hosts are checked (and IDNA-encoded) exactly as ``fedicore.handles`` checks handles."""
    domain = text.strip().lower().rstrip(".")
    if domain == ANY:
        return domain
    if not domain:
        raise ValueError("empty domain")
    wild = domain.startswith("*.")
    bare = domain[2:] if wild else domain
    if "*" in bare:
        raise ValueError("a wildcard may only be the whole domain or a leading '*.'")
    checked = Handle("x", bare).domain
    return "*." + checked if wild else checked


def parse_pattern(text: str) -> Pattern:
    """``@user@domain`` (also without the leading ``@``, or ``acct:``) → Pattern; ValueError."""
    raw = text.strip()
    if raw.startswith("acct:"):
        raw = raw[5:]
    if raw.startswith("@"):
        raw = raw[1:]
    user, sep, domain = raw.partition("@")
    if not sep:
        raise ValueError("expected @user@domain")
    if "@" in domain:
        raise ValueError("too many '@'")
    if user != ANY:
        Handle(user, "user.check")  # raises ValueError with the reason
    # Stored lower-case: matching ignores case, so two spellings are one entry.
    return Pattern(user=user.lower(), domain=parse_domain(domain))


def parse_list(text: str) -> list[Pattern] | LineError:
    """A text/plain list, one pattern a line; blank lines and ``#`` comments are skipped.

    Returns every pattern (duplicates removed, order kept) or the first bad line, so a
    caller can refuse the whole list and never apply half of it."""
    found: dict[Pattern, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            found[parse_pattern(stripped)] = None
        except ValueError as exc:
            return LineError(line=number, text=stripped[:200], reason=str(exc))
    return list(found)
