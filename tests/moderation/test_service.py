"""Moderation actions on a real SQLite file: decisions, effects of blocks, expiry, audit, notes."""

from __future__ import annotations

import json

from fedicore.handles import Handle
from inbox.moderation import decide_for
from inbox.moderation.blocklist_csv import BlocklistEntry
from inbox.moderation.patterns import parse_pattern
from inbox.moderation.service import (
    GLOBAL, add_note, add_to_list, audit_view, block_domain, block_from_report, domain_suspended,
    remove_from_list, unblock_domain,
)
from inbox.storage import moderation as store
from tests.moderation.conftest import (
    BLOG, add_follower, add_item, add_local_actor, follower_ids, sent_rejects, states,
)

NOW = 1_800_000_000.0
TROLL_URL = "https://spam.example/users/troll"
FRIEND_URL = "https://good.example/users/friend"
TROLL = Handle.parse("@troll@spam.example")
FRIEND = Handle.parse("@friend@good.example")


async def test_unknown_sender_is_queued(db) -> None:
    decision = await decide_for(db, actor=BLOG, sender=TROLL, now=NOW)
    assert decision.outcome == "queue"


async def test_actor_block_blocks_and_global_allow_cannot_override(db) -> None:
    await add_to_list(db, scope=GLOBAL, list_name="allow", patterns=[parse_pattern("@*@*")],
                      who="@admin@blog.example", now=NOW)
    await add_to_list(db, scope=BLOG, list_name="block",
                      patterns=[parse_pattern("@troll@spam.example")], who=BLOG, now=NOW)
    assert (await decide_for(db, actor=BLOG, sender=TROLL, now=NOW)).outcome == "block"
    assert (await decide_for(db, actor=BLOG, sender=FRIEND, now=NOW)).outcome == "allow"


async def test_config_admins_are_allowed_over_global_block(db) -> None:
    await add_to_list(db, scope=GLOBAL, list_name="block", patterns=[parse_pattern("@*@spam.example")],
                      who="op", now=NOW)
    decision = await decide_for(db, actor=BLOG, sender=TROLL, now=NOW,
                                admins=["@troll@spam.example"])
    assert (decision.outcome, decision.rule) == ("allow", "admins")


async def test_block_removes_follower_sends_reject_drops_queue_and_hides_replies(db) -> None:
    await add_follower(db, BLOG, TROLL_URL)
    await add_follower(db, BLOG, FRIEND_URL)
    await add_item(db, BLOG, "https://spam.example/r/1", TROLL_URL, state="approved")
    await add_item(db, BLOG, "https://spam.example/r/2", TROLL_URL, state="queued")
    await add_item(db, BLOG, "https://good.example/r/1", FRIEND_URL, state="approved")

    change = await add_to_list(db, scope=BLOG, list_name="block",
                               patterns=[parse_pattern("@troll@spam.example")], who=BLOG, now=NOW)

    assert change.effects.counts() == {"followers_removed": 1, "queued_removed": 1,
                                       "items_hidden": 1, "items_restored": 0}
    assert await follower_ids(db) == {FRIEND_URL}
    assert await states(db) == {"https://spam.example/r/1": "hidden",
                                "https://good.example/r/1": "approved"}
    [(inbox, body)] = await sent_rejects(db)
    assert inbox == TROLL_URL + "/inbox"
    reject = json.loads(body)
    assert reject["type"] == "Reject" and reject["object"]["id"] == TROLL_URL + "/follows/1"


async def test_unblock_restores_hidden_replies(db) -> None:
    await add_item(db, BLOG, "https://spam.example/r/1", TROLL_URL)
    pattern = parse_pattern("@*@spam.example")
    await add_to_list(db, scope=BLOG, list_name="block", patterns=[pattern], who=BLOG, now=NOW)
    assert await states(db) == {"https://spam.example/r/1": "hidden"}
    change = await remove_from_list(db, scope=BLOG, list_name="block", patterns=[pattern],
                                    who=BLOG, now=NOW + 1)
    assert change.effects.items_restored == 1
    assert await states(db) == {"https://spam.example/r/1": "approved"}


async def test_actor_block_leaves_other_actors_followers_alone(db) -> None:
    other = "@bob@blog.example"
    await add_local_actor(db, other, "https://blog.example/ap/bob.json")
    await add_follower(db, BLOG, TROLL_URL)
    await add_follower(db, other, TROLL_URL)
    await add_to_list(db, scope=BLOG, list_name="block", patterns=[parse_pattern("@*@spam.example")],
                      who=BLOG, now=NOW)
    assert await follower_ids(db, BLOG) == set()
    assert await follower_ids(db, other) == {TROLL_URL}


async def test_global_block_respects_actor_allowlist(db) -> None:
    await add_follower(db, BLOG, TROLL_URL)
    await add_to_list(db, scope=BLOG, list_name="allow",
                      patterns=[parse_pattern("@troll@spam.example")], who=BLOG, now=NOW)
    await add_to_list(db, scope=GLOBAL, list_name="block", patterns=[parse_pattern("@*@spam.example")],
                      who="op", now=NOW)
    assert await follower_ids(db) == {TROLL_URL}


async def test_recorded_sender_is_found_when_url_does_not_name_the_user(db) -> None:
    odd_url = "https://spam.example/actors/9f3a"
    await add_item(db, BLOG, "https://spam.example/r/9", odd_url)
    await decide_for(db, actor=BLOG, sender=TROLL, now=NOW, actor_url=odd_url)
    await add_to_list(db, scope=BLOG, list_name="block",
                      patterns=[parse_pattern("@troll@spam.example")], who=BLOG, now=NOW)
    assert await states(db) == {"https://spam.example/r/9": "hidden"}


async def test_expiring_block_stops_applying_and_audit_shows_it_expired(db) -> None:
    await add_to_list(db, scope=BLOG, list_name="block", patterns=[parse_pattern("@*@spam.example")],
                      who=BLOG, now=NOW, expires_at=NOW + 3600, reason="cool off")
    assert (await decide_for(db, actor=BLOG, sender=TROLL, now=NOW + 3599)).outcome == "block"
    assert (await decide_for(db, actor=BLOG, sender=TROLL, now=NOW + 3600)).outcome == "queue"
    [row] = await audit_view(db, scope=BLOG, now=NOW + 10)
    assert (row["action"], row["who"], row["reason"], row["expired"]) == (
        "block", BLOG, "cool off", False)
    [row] = await audit_view(db, scope=BLOG, now=NOW + 3600)
    assert row["expired"] is True


async def test_domain_suspend_blocks_everyone_there_and_rejects_followers(db) -> None:
    await add_follower(db, BLOG, "https://a.spam.example/users/x")
    await block_domain(db, BlocklistEntry("spam.example", "suspend"), who="op", now=NOW)
    sub = Handle.parse("@x@a.spam.example")
    assert (await decide_for(db, actor=BLOG, sender=sub, now=NOW)).rule == "domain_suspend"
    assert await domain_suspended(db, "a.spam.example:443", now=NOW)
    assert await follower_ids(db) == set()
    assert len(await sent_rejects(db)) == 1
    await unblock_domain(db, "spam.example", who="op", now=NOW)
    assert (await decide_for(db, actor=BLOG, sender=sub, now=NOW)).outcome == "queue"


async def test_silenced_domain_queues_even_allowed_senders(db) -> None:
    await add_to_list(db, scope=GLOBAL, list_name="allow", patterns=[parse_pattern("@*@*")],
                      who="op", now=NOW)
    await block_domain(db, BlocklistEntry("spam.example", "silence"), who="op", now=NOW)
    decision = await decide_for(db, actor=BLOG, sender=TROLL, now=NOW)
    assert (decision.outcome, decision.rule) == ("queue", "domain_silence")


async def test_reject_reports_drops_flags_from_that_domain(db) -> None:
    await block_domain(db, BlocklistEntry("spam.example", "noop", reject_reports=True),
                       who="op", now=NOW)
    flag = await decide_for(db, actor=BLOG, sender=TROLL, now=NOW, activity_type="Flag")
    assert flag.outcome == "block"
    note = await decide_for(db, actor=BLOG, sender=TROLL, now=NOW, activity_type="Create")
    assert note.outcome == "queue"


async def test_block_from_report_blocks_the_reporter_on_the_authors_list(db) -> None:
    await add_item(db, BLOG, "https://spam.example/flag/1", TROLL_URL, kind="flag", state="queued")
    change = await block_from_report(db, actor=BLOG, activity_id="https://spam.example/flag/1",
                                     who=BLOG, now=NOW)
    assert change is not None and change.detail == {"blocked": "@troll@spam.example"}
    assert await states(db) == {}
    assert [e.pattern for e in await store.list_entries(db, BLOG, "block")] == [
        "@troll@spam.example"]
    assert await block_from_report(db, actor=BLOG, activity_id="nope", who=BLOG, now=NOW) is None


async def test_notes_are_kept_per_target_and_audited(db) -> None:
    await add_note(db, scope=BLOG, target="@Troll@SPAM.example", author=BLOG,
                   body="argues in bad faith", now=NOW)
    [note] = await store.notes(db, scope=BLOG, target="@troll@spam.example")
    assert note["body"] == "argues in bad faith"
    [row] = await audit_view(db, scope=BLOG, now=NOW)
    assert (row["action"], row["target"]) == ("note", "@troll@spam.example")


async def test_domain_refused_only_when_no_named_user_there_is_allowed(db) -> None:
    from inbox.moderation.service import domain_refused

    await add_to_list(db, scope=GLOBAL, list_name="block", patterns=[parse_pattern("@*@spam.example")],
                      who="op", now=NOW)
    assert await domain_refused(db, actor=BLOG, domain="spam.example", now=NOW)
    await add_to_list(db, scope=BLOG, list_name="allow",
                      patterns=[parse_pattern("@troll@spam.example")], who=BLOG, now=NOW)
    assert not await domain_refused(db, actor=BLOG, domain="spam.example", now=NOW)
    await block_domain(db, BlocklistEntry("spam.example"), who="op", now=NOW)
    assert await domain_refused(db, actor=BLOG, domain="spam.example", now=NOW)
    assert not await domain_refused(db, actor=BLOG, domain="good.example", now=NOW)


async def test_admins_stored_through_the_list_count_as_admins(db) -> None:
    from inbox.moderation.service import is_admin

    assert not await is_admin(db, FRIEND, now=NOW)
    await add_to_list(db, scope=GLOBAL, list_name="admin", patterns=[parse_pattern(str(FRIEND))],
                      who="op", now=NOW, expires_at=NOW + 10)
    assert await is_admin(db, FRIEND, now=NOW)
    assert not await is_admin(db, FRIEND, now=NOW + 10)
    assert await is_admin(db, TROLL, now=NOW, config_admins=["@troll@spam.example"])


async def test_expiry_catch_up_restores_hidden_replies_after_block_runs_out(db) -> None:
    from inbox.moderation.scheduler import catch_up_expiry

    await add_item(db, BLOG, "https://spam.example/r/1", TROLL_URL)
    await add_to_list(db, scope=BLOG, list_name="block", patterns=[parse_pattern("@*@spam.example")],
                      who=BLOG, now=NOW, expires_at=NOW + 60)
    assert await states(db) == {"https://spam.example/r/1": "hidden"}
    assert await catch_up_expiry(db, since=NOW, now=NOW + 59) == 0
    assert await catch_up_expiry(db, since=NOW + 59, now=NOW + 61) == 1
    assert await states(db) == {"https://spam.example/r/1": "approved"}
    assert (await audit_view(db, scope=GLOBAL, now=NOW + 61))[0]["action"] == "expire"
