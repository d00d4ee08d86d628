"""The pure decision: the precedence table, every pair of rules, domain severities, expiry."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import pytest

from inbox.moderation.patterns import parse_pattern
from inbox.moderation.policy import RULES, DomainBlock, Entry, Lists, decide

NOW = 1_000_000.0
SENDER_TEXT = "@troll@spam.example"


@dataclass
class H:
    user: str
    domain: str


SENDER = H("troll", "spam.example")
EXPECTED = {
    "actor_allow": "allow",
    "actor_block": "block",
    "admins": "allow",
    "global_block": "block",
    "global_allow": "allow",
}
# Ways a rule can name the sender: exactly, by domain, by parent domain, everyone.
SPELLINGS = ["@troll@spam.example", "@*@SPAM.example", "@*@*.example", "@*@*"]


def lists_with(rules: dict[str, str], **extra: object) -> Lists:
    fields = {rule: (Entry(parse_pattern(text)),) for rule, text in rules.items()}
    return Lists(**fields, **extra)  # type: ignore[arg-type]


def test_no_rule_means_queue() -> None:
    decision = decide(SENDER, Lists(), NOW)
    assert decision.outcome == "queue" and decision.rule is None


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_single_rule_decides_alone(rule: str, spelling: str) -> None:
    decision = decide(SENDER, lists_with({rule: spelling}), NOW)
    assert (decision.outcome, decision.rule) == (EXPECTED[rule], rule)


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(RULES, 2)))
def test_every_pair_of_rules_earlier_rule_wins(first: str, second: str) -> None:
    for a, b in itertools.product(SPELLINGS, repeat=2):
        decision = decide(SENDER, lists_with({first: a, second: b}), NOW)
        assert (decision.outcome, decision.rule) == (EXPECTED[first], first), (a, b)


@pytest.mark.parametrize("rule", RULES)
def test_rule_for_someone_else_does_not_apply(rule: str) -> None:
    decision = decide(SENDER, lists_with({rule: "@troll@other.example"}), NOW)
    assert decision.outcome == "queue"


def test_global_allow_everyone_allows_all_but_the_blocked() -> None:
    lists = lists_with({"global_allow": "@*@*", "global_block": "@*@spam.example"})
    assert decide(SENDER, lists, NOW).outcome == "block"
    assert decide(H("friend", "good.example"), lists, NOW).outcome == "allow"


@pytest.mark.parametrize("rule", RULES)
def test_expired_entry_stops_applying_at_its_expiry(rule: str) -> None:
    entry = Entry(parse_pattern(SENDER_TEXT), expires=NOW)
    lists = Lists(**{rule: (entry,)})  # type: ignore[arg-type]
    assert decide(SENDER, lists, NOW - 1).outcome == EXPECTED[rule]
    assert decide(SENDER, lists, NOW).outcome == "queue"


def test_expired_higher_rule_lets_next_rule_decide() -> None:
    lists = Lists(
        actor_allow=(Entry(parse_pattern(SENDER_TEXT), expires=NOW - 1),),
        global_block=(Entry(parse_pattern("@*@spam.example")),),
    )
    assert decide(SENDER, lists, NOW).rule == "global_block"


@pytest.mark.parametrize("rule", RULES)
def test_domain_suspend_blocks_whatever_the_lists_say(rule: str) -> None:
    lists = lists_with({rule: SENDER_TEXT}, domain_blocks=(DomainBlock("spam.example"),))
    decision = decide(SENDER, lists, NOW)
    assert (decision.outcome, decision.rule, decision.severity) == (
        "block", "domain_suspend", "suspend")


def test_domain_block_covers_subdomains_like_mastodon() -> None:
    lists = Lists(domain_blocks=(DomainBlock("example"),))
    assert decide(SENDER, lists, NOW).outcome == "block"
    assert decide(H("x", "example.org"), lists, NOW).outcome == "queue"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("actor_allow", "queue"), ("actor_block", "block"), ("admins", "queue"),
     ("global_block", "block"), ("global_allow", "queue")],
)
def test_domain_silence_turns_allow_into_queue_and_keeps_blocks(rule: str, expected: str) -> None:
    lists = lists_with({rule: SENDER_TEXT},
                       domain_blocks=(DomainBlock("spam.example", "silence"),))
    assert decide(SENDER, lists, NOW).outcome == expected


def test_reject_reports_drops_flags_only() -> None:
    block = DomainBlock("spam.example", "noop", reject_reports=True)
    lists = lists_with({"global_allow": "@*@*"}, domain_blocks=(block,))
    flag = decide(SENDER, lists, NOW, activity_type="Flag")
    assert (flag.outcome, flag.rule) == ("block", "domain_reject_reports")
    assert decide(SENDER, lists, NOW, activity_type="Create").outcome == "allow"
    assert decide(SENDER, lists, NOW).reject_reports is True


def test_expired_domain_suspend_no_longer_blocks() -> None:
    block = DomainBlock("spam.example", expires=NOW)
    assert decide(SENDER, Lists(domain_blocks=(block,)), NOW - 1).outcome == "block"
    assert decide(SENDER, Lists(domain_blocks=(block,)), NOW).outcome == "queue"


def test_strongest_domain_block_wins_when_parent_and_child_both_listed() -> None:
    blocks = (DomainBlock("spam.example", "silence"), DomainBlock("example", "suspend"))
    assert decide(SENDER, Lists(domain_blocks=blocks), NOW).severity == "suspend"
    weaker = (replace(blocks[1], severity="noop"), blocks[0])
    lists = lists_with({"global_allow": "@*@*"}, domain_blocks=weaker)
    assert decide(SENDER, lists, NOW).rule == "domain_silence"
