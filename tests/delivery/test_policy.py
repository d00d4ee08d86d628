"""The pure delivery rules: schedule, Retry-After, classification, breaker, availability."""

from __future__ import annotations

from email.utils import formatdate

from hypothesis import given
from hypothesis import strategies as st

from inbox.delivery import policy
from inbox.delivery.queue import backfill_selection, follower_targets, host_of, object_key


def test_retry_delay_follows_attempt_to_the_fourth_plus_15_seconds():
    assert [policy.retry_delay(a, 0.0) for a in (1, 2, 3, 17)] == [15, 16, 31, 65551]
    assert policy.retry_delay(3, 0.999) == 31 + 29 * 3  # jitter grows with the attempt


def test_whole_schedule_gives_up_after_2_to_3_days():
    assert 2 * 86400 <= policy.total_schedule(0.0) <= policy.total_schedule(0.999) <= 3 * 86400


@given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=0.999))
def test_retry_delay_never_shrinks_as_attempts_grow(attempts, jitter):
    assert policy.retry_delay(attempts + 1, jitter) >= policy.retry_delay(attempts, jitter) > 0


def test_retry_after_accepts_seconds_and_http_dates_and_refuses_garbage():
    now = 1_800_000_000.0
    assert policy.parse_retry_after("120", now) == 120
    assert policy.parse_retry_after(formatdate(now + 90, usegmt=True), now) == 90
    assert policy.parse_retry_after(formatdate(now - 90, usegmt=True), now) == 0
    assert policy.parse_retry_after("99999999", now) == policy.MAX_RETRY_AFTER
    assert policy.parse_retry_after("soon", now) is None
    assert policy.parse_retry_after(None, now) is None


def test_4xx_stops_at_once_except_401_408_429():
    assert policy.classify(202) == "delivered"
    assert policy.classify(410) == "gone"
    assert [policy.classify(s) for s in (400, 403, 404, 422)] == ["rejected"] * 4
    assert [policy.classify(s) for s in (401, 408, 429, 500, 503, None)] == ["retry"] * 6


def test_decision_gives_up_after_max_attempts():
    last = policy.decide(status=500, attempts=policy.MAX_ATTEMPTS, now=0, jitter=0)
    assert last.state == "failed" and "gave up" in last.reason
    again = policy.decide(status=500, attempts=policy.MAX_ATTEMPTS - 1, now=0, jitter=0)
    assert again.state == "pending" and again.next_attempt_at == policy.retry_delay(16, 0)


def test_retry_after_replaces_the_schedule_delay():
    d = policy.decide(status=429, attempts=1, now=100.0, jitter=0.5, retry_after=3600)
    assert d.next_attempt_at == 3700.0


def test_circuit_opens_after_5_host_failures_and_closes_on_success():
    state = policy.HostState("h.example")
    for n in range(4):
        state = policy.host_after_failure(state, 1000.0 + n, error="timeout")
        assert policy.host_is_open(state, 1000.0 + n)
    state = policy.host_after_failure(state, 1004.0, error="timeout")
    assert not policy.host_is_open(state, 1005.0)
    assert policy.host_is_open(state, 1004.0 + policy.BREAKER_BASE)
    assert policy.host_slots(state, 2) == 1  # half-open: one probe at a time
    state = policy.host_after_success(state, 2000.0)
    assert policy.host_is_open(state, 2000.0) and policy.host_slots(state, 2) == 2


def test_host_is_unavailable_only_after_failing_on_7_distinct_days():
    state = policy.HostState("h.example")
    for n in range(50):  # many failures on one day are one day
        state = policy.host_after_failure(state, 5.0 + n, error="503")
    assert not state.unavailable
    for day in range(1, 7):
        state = policy.host_after_failure(state, day * 86400.0 + 5, error="503")
    assert state.unavailable and not policy.host_is_open(state, 10**10)
    assert not policy.host_seen(state).unavailable


def test_401_probe_switches_to_rfc9421_once():
    state, resend = policy.on_unauthorized(policy.HostState("h"), "cavage")
    assert resend and state.signature_scheme == "rfc9421"
    state, resend = policy.on_unauthorized(state, "rfc9421")
    assert not resend and state.signature_scheme == "cavage"
    state, resend = policy.on_unauthorized(state, "cavage")
    assert not resend and state.signature_scheme == "cavage"


def test_shared_inbox_is_used_and_deduplicated():
    rows = [("https://a/u/1", "https://a/inbox"), ("https://a/u/2", "https://a/inbox"), ("https://b/u/1", None)]
    assert follower_targets(rows) == ["https://a/inbox", "https://b/u/1"]


def test_host_of_keeps_the_port_and_refuses_non_http():
    assert host_of("https://Mastodon.Example:8443/inbox") == "mastodon.example:8443"
    assert host_of("ftp://x/inbox") is None and host_of("not a url") is None


def test_order_is_kept_per_object_for_create_update_delete():
    create = {"id": "https://b/1#c", "type": "Create", "object": {"id": "https://b/1"}}
    delete = {"id": "https://b/1#d", "type": "Delete", "object": "https://b/1"}
    accept = {"id": "https://b/accept/1", "type": "Accept", "object": "https://m/follow/1"}
    assert object_key(create) == object_key(delete) == "https://b/1"
    assert object_key(accept) == "https://b/accept/1"


def test_backfill_skips_deleted_posts_and_carries_the_latest_update():
    import json

    def row(kind, obj, body, public=1):
        return {"type": kind, "object_id": obj, "public": public, "body": json.dumps(body)}

    rows = [  # newest first
        row("Update", "p2", {"type": "Update", "object": {"id": "p2", "content": "new"}}),
        row("Delete", "p3", {"type": "Delete", "object": "p3"}),
        row("Create", "p3", {"type": "Create", "object": {"id": "p3"}}),
        row("Create", "p2", {"type": "Create", "object": {"id": "p2", "content": "old"}}),
        row("Create", "p1", {"type": "Create", "object": {"id": "p1"}}, public=0),
        row("Create", "p0", {"type": "Create", "object": {"id": "p0"}}),
    ]
    chosen = backfill_selection(rows, 5)
    assert [a["object"]["id"] for a in chosen] == ["p0", "p2"]
    assert chosen[1]["object"]["content"] == "new"
    assert [a["object"]["id"] for a in backfill_selection(rows, 1)] == ["p2"]
