"""The SSRF guard: a table of addresses and hosts, including every IPv6 form that carries IPv4."""

from __future__ import annotations

import ipaddress

import pytest

from fedicore.netguard import forbidden_address_reason, forbidden_host_reason

FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # cloud metadata
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.255", "CGNAT"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.99", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("192.0.0.8", "reserved"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("2001:2::1", "benchmarking"),
    ("100::1", "reserved"),
    ("4000::1", "reserved"),
    ("::ffff:127.0.0.1", "IPv4-mapped 127.0.0.1: loopback"),
    ("::ffff:7f00:1", "IPv4-mapped 127.0.0.1: loopback"),
    ("::ffff:169.254.169.254", "IPv4-mapped 169.254.169.254: link-local"),
    ("::ffff:10.0.0.1", "IPv4-mapped 10.0.0.1: private"),
    ("::127.0.0.1", "IPv4-compatible 127.0.0.1: loopback"),
    ("::10.0.0.1", "IPv4-compatible 10.0.0.1: private"),
    ("64:ff9b::127.0.0.1", "NAT64 127.0.0.1: loopback"),
    ("64:ff9b::a9fe:a9fe", "NAT64 169.254.169.254: link-local"),
    ("64:ff9b:1::1", "NAT64 local-use"),
    ("2002:7f00:1::", "6to4 127.0.0.1: loopback"),
    ("2002:c0a8:101::1", "6to4 192.168.1.1: private"),
    ("2001::1", "Teredo"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("[::1]", "loopback"),
]


@pytest.mark.parametrize("ip,expected", FORBIDDEN)
def test_forbidden_addresses_name_their_reason(ip, expected):
    reason = forbidden_address_reason(ip)
    assert reason is not None and expected in reason


@pytest.mark.parametrize(
    "ip",
    ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
     "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1", "100.128.0.1", "172.32.0.1", "198.20.0.1"],
)
def test_public_addresses_are_allowed(ip):
    assert forbidden_address_reason(ip) is None


def test_address_objects_are_accepted():
    assert forbidden_address_reason(ipaddress.ip_address("::ffff:127.0.0.1")) is not None
    assert forbidden_address_reason(ipaddress.ip_address("8.8.4.4")) is None


def test_text_that_is_no_address_is_refused():
    assert forbidden_address_reason("blog.example") == "not an IP address"


@pytest.mark.parametrize(
    "host,expected",
    [
        ("2130706433", "loopback"),  # decimal 127.0.0.1
        ("0x7f000001", "loopback"),
        ("0x7f.1", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("127.0.0.1.", "loopback"),
        ("017700000001", "loopback"),  # octal, one part
        ("0xA9.0xFE.0xA9.0xFE", "link-local"),
        ("3232235777", "private"),  # 192.168.1.1
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[fe80::1]", "link-local"),
        ("::1", "loopback"),
        ("localhost", "loopback"),
        ("LOCALHOST.", "loopback"),
        ("api.localhost", "loopback"),
        ("1.2.3.4.5", "invalid"),
        ("256.1.1.1", "invalid"),
        ("4294967296", "invalid"),
        ("08.1.1.1", "invalid"),  # 08 is not octal
        ("blog.123", "invalid"),  # a numeric last label makes it an IPv4 host
        ("%31%32%37.0.0.1", "loopback"),  # percent-encoded
        ("\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11", "loopback"),  # fullwidth
        ("127\u30020\u30020\u30021", "loopback"),  # ideographic full stops
        ("", "empty"),
        ("[::1", "unclosed"),
    ],
)
def test_forbidden_host_forms(host, expected):
    reason = forbidden_host_reason(host)
    assert reason is not None and expected in reason


@pytest.mark.parametrize("host", ["blog.example", "mastodon.social", "xn--bcher-kva.de", "8.8.8.8", "134744072", "[2606:4700::1]", "1e5.example"])
def test_names_and_public_literals_pass_the_host_check(host):
    assert forbidden_host_reason(host) is None
