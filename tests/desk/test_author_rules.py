"""The author's defaults and rules, as a pure decision."""

from __future__ import annotations

import pytest

from inbox.moderation.author_rules import AuthorRules, Facts, parse_rules, settle

NOW = 1_800_000_000.0
DAY = 86400.0


def test_reactions_are_allowed_unless_the_author_moderates_them():
    assert settle("queue", "like", AuthorRules(), None, now=NOW).outcome == "allow"
    assert settle("queue", "emoji", AuthorRules(), None, now=NOW).outcome == "allow"
    strict = AuthorRules(moderate_reactions=True)
    assert settle("queue", "share", strict, None, now=NOW).outcome == "queue"


def test_a_block_is_never_softened_and_a_reply_waits_by_default():
    assert settle("block", "like", AuthorRules(), None, now=NOW).outcome == "block"
    assert settle("queue", "reply", AuthorRules(), Facts("a.example"), now=NOW).outcome == "queue"


def test_followers_of_n_days_are_approved_newer_ones_wait():
    rules = AuthorRules(approve_followers_days=30)
    old = Facts("a.example", follower_since=NOW - 31 * DAY)
    new = Facts("a.example", follower_since=NOW - 2 * DAY)
    assert settle("queue", "reply", rules, old, now=NOW).reason == "follower for 30+ days"
    assert settle("queue", "reply", rules, new, now=NOW).outcome == "queue"
    assert settle("queue", "reply", rules, Facts("a.example"), now=NOW).outcome == "queue"


def test_allowlisted_domains_cover_subdomains_not_lookalikes():
    rules = parse_rules(b'{"approve_domains": ["Friends.example"]}')
    assert settle("queue", "reply", rules, Facts("social.friends.example"), now=NOW).outcome == "allow"
    assert settle("queue", "reply", rules, Facts("notfriends.example"), now=NOW).outcome == "queue"


@pytest.mark.parametrize("body", [b'{"approve_followers_days": -1}', b'{"surprise": 1}',
                                  b'{"unconsented": "shout"}', b"not json"])
def test_bad_rules_are_refused_with_a_reason(body):
    with pytest.raises(ValueError):
        parse_rules(body)


def test_block_target_is_a_person_or_a_whole_domain_with_subdomains():
    from fedicore.errors import ConfigError
    from sitegen.desk.api import block_pattern

    assert block_pattern("@troll@spam.example") == "@troll@spam.example"
    assert block_pattern("Spam.example") == "@*@*.spam.example"
    for bad in ("spam", "@troll", "@@x.example", "a b.example"):
        with pytest.raises(ConfigError):
            block_pattern(bad)


def test_consent_objections_explicit_false_and_the_opt_out_tag_only():
    from fedicore.consent import withheld_reason

    assert withheld_reason({"content": "hi"}, {"indexable": False}) == "their account is not indexable"
    assert withheld_reason({"content": "hi"}, {"discoverable": False}).endswith("not discoverable")
    assert withheld_reason({"content": "hi"}, {}) is None  # missing is no objection
    tagged = {"content": "hi", "tag": [{"type": "Hashtag", "name": "#NoBlog"}]}
    assert withheld_reason(tagged, None) == "the reply carries #noblog"
    assert withheld_reason({"content": "<p>#noblogging is a word</p>"}, None) is None
    assert withheld_reason({"content": "<p>ok #private</p>"}, None, "private") is not None
