"""Pattern parsing and matching: the list format shared with the Social Inbox."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from inbox.moderation.patterns import LineError, Pattern, parse_list, parse_pattern


@dataclass
class H:
    user: str
    domain: str


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice@Example.COM", Pattern("alice", "example.com")),
        ("alice@example.com", Pattern("alice", "example.com")),
        ("acct:alice@example.com", Pattern("alice", "example.com")),
        ("@*@example.com", Pattern("*", "example.com")),
        ("@*@*", Pattern("*", "*")),
        ("@*@*.Example.com", Pattern("*", "*.example.com")),
        ("@bob@127.0.0.1:8443", Pattern("bob", "127.0.0.1:8443")),
        ("  @bob@host.example.  ", Pattern("bob", "host.example")),
    ],
)
def test_parse_pattern_normalises_domain(text: str, expected: Pattern) -> None:
    assert parse_pattern(text) == expected


@pytest.mark.parametrize(
    "text",
    ["alice", "@alice", "@a@b@c", "@@example.com", "@a@exa mple.com", "@a@ex*ample.com",
     "@*@*example.com", "@a@example.com:99999", "@a@", "@a b@example.com", "@a@-bad.example", "@a@ex_ample.com"],
)
def test_parse_pattern_refuses_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_pattern(text)


def test_exact_pattern_matches_case_insensitively() -> None:
    pattern = parse_pattern("@Troll@Spam.Example")
    assert pattern.matches(H("troll", "spam.example"))
    assert pattern.matches(H("TROLL", "SPAM.EXAMPLE"))
    assert not pattern.matches(H("troll2", "spam.example"))
    assert not pattern.matches(H("troll", "other.example"))


def test_domain_pattern_does_not_cover_subdomains_unless_written_so() -> None:
    plain = parse_pattern("@*@example.com")
    assert plain.matches(H("x", "example.com"))
    assert not plain.matches(H("x", "sub.example.com"))
    assert not plain.matches(H("x", "badexample.com"))


def test_star_dot_pattern_covers_domain_and_subdomains_only() -> None:
    wild = parse_pattern("@*@*.example.com")
    assert wild.matches(H("x", "example.com"))
    assert wild.matches(H("x", "a.b.Example.com"))
    assert not wild.matches(H("x", "notexample.com"))
    assert not wild.matches(H("x", "example.com.evil"))


def test_everyone_pattern_matches_any_sender() -> None:
    assert parse_pattern("@*@*").matches(H("anyone", "anywhere.example:8080"))


def test_port_in_pattern_narrows_match_and_portless_pattern_covers_all_ports() -> None:
    assert parse_pattern("@*@127.0.0.1").matches(H("a", "127.0.0.1:4000"))
    assert parse_pattern("@*@127.0.0.1:4000").matches(H("a", "127.0.0.1:4000"))
    assert not parse_pattern("@*@127.0.0.1:4000").matches(H("a", "127.0.0.1:4001"))


def test_parse_list_skips_blanks_and_comments_and_dedupes() -> None:
    text = "# spammers\n@a@x.example\n\n@A@X.example\n@*@y.example\n"
    assert parse_list(text) == [Pattern("a", "x.example"), Pattern("*", "y.example")]


def test_parse_list_names_the_first_bad_line() -> None:
    result = parse_list("@a@x.example\nnot a handle\n@b@y.example")
    assert isinstance(result, LineError)
    assert result.line == 2 and result.text == "not a handle"
    assert "line 2" in str(result)
