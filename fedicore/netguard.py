"""Addresses the inbox must never fetch from (SSRF guard), judged from explicit tables.

``ipaddress.is_global`` alone is not enough: it changes between Python versions and it does
not look inside IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4), where
``::ffff:127.0.0.1`` is still the loopback. Teredo is refused whole: it tunnels to anywhere.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from typing import Union
from urllib.parse import unquote

Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

_V4_TABLE: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (ipaddress.IPv4Network(net), reason)
    for net, reason in (
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved (IETF protocol assignments)"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved (6to4 relay anycast)"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_V6_TABLE: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.IPv6Network(net), reason)
    for net, reason in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "NAT64 local-use"),
        ("100::/64", "reserved (discard-only)"),
        ("2001::/32", "Teredo"),
        ("2001:2::/48", "benchmarking"),
        ("2001:10::/28", "reserved (ORCHID)"),
        ("2001:20::/28", "reserved (ORCHIDv2)"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "reserved (SRv6 SIDs)"),
        ("fc00::/7", "private (unique local)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private (site-local)"),
        ("ff00::/8", "multicast"),
    )
)
_DOT_LOOKALIKES = ("\u3002", "\uff0e", "\uff61")  # ideographic and fullwidth full stops
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    for net, reason in _V4_TABLE:
        if ip in net:
            return reason
    if not ip.is_global:  # a safety net for ranges registered after this table was written
        return "not globally reachable"
    return None


def _embedded(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    value = int(ip)
    if ip in _MAPPED:
        return "IPv4-mapped", ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _COMPATIBLE:
        return "IPv4-compatible", ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _NAT64:
        return "NAT64", ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return "6to4", ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def _v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    for net, reason in _V6_TABLE:
        if ip in net:
            return reason
    embedded = _embedded(ip)
    if embedded is not None:
        form, v4 = embedded
        inner = _v4_reason(v4)
        return f"{form} {v4}: {inner}" if inner else None
    if ip not in _GLOBAL_UNICAST:
        return "reserved (outside 2000::/3)"
    if not ip.is_global:
        return "not globally reachable"
    return None


def forbidden_address_reason(ip: str | Address) -> str | None:
    """Why the inbox must not connect to ``ip``, or None when it is a public address.
    Text that is not an IP address is refused too ("not an IP address")."""
    if isinstance(ip, str):
        text = ip.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        text = text.partition("%")[0]  # a zone index does not change what the address is
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return "not an IP address"
    if isinstance(ip, ipaddress.IPv4Address):
        return _v4_reason(ip)
    return _v6_reason(ip)


def _ipv4_number(part: str) -> int | None:
    """One part of a WHATWG-URL IPv4 host: decimal, 0x-hex or 0-octal; None if not a number."""
    if not part.isascii():
        return None
    try:
        if part[:2].lower() == "0x":
            return int(part[2:], 16) if part[2:] else 0
        if len(part) > 1 and part[0] == "0":
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def parse_ipv4_host(host: str) -> ipaddress.IPv4Address | None | str:
    """How a URL parser (WHATWG) reads a host as IPv4: ``2130706433``, ``0x7f.1``,
    ``0177.0.0.1``, ``127.1``. Returns the address, None for a name, or an error text when
    it looks numeric but is no valid address (URL parsers refuse those hosts)."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1] if parts else ""
    if not last or (_ipv4_number(last) is None and not (last.isascii() and last.isdigit())):
        return None
    if len(parts) > 4:
        return "invalid IPv4 literal (too many parts)"
    numbers = [_ipv4_number(p) if p else None for p in parts]
    if any(n is None for n in numbers):
        return "invalid IPv4 literal"
    *head, tail = numbers  # type: ignore[misc]
    if any(n > 255 for n in head) or tail >= 256 ** (5 - len(parts)):
        return "invalid IPv4 literal (part out of range)"
    value = tail
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def forbidden_host_reason(host: str) -> str | None:
    """For the host part of a URL: a reason when it is a literal address that must not be
    fetched (any IPv4 spelling, bracketed IPv6), or a name that is always local
    (``localhost``, ``*.localhost``); None for other names, which are judged after DNS."""
    # What a URL parser does before judging a host: percent-decode, then map compatibility
    # forms (fullwidth digits and dots) the way IDNA processing would.
    text = unicodedata.normalize("NFKC", unquote(host.strip())).lower()
    for dot in _DOT_LOOKALIKES:
        text = text.replace(dot, ".")
    if not text:
        return "empty host"
    if text.startswith("["):
        if not text.endswith("]"):
            return "unclosed '[' in host"
        return forbidden_address_reason(text[1:-1])
    if ":" in text:
        return forbidden_address_reason(text)
    name = text.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "loopback (localhost)"
    v4 = parse_ipv4_host(text)
    if isinstance(v4, str):
        return v4
    if v4 is not None:
        return forbidden_address_reason(v4)
    return None
