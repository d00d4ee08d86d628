"""How one answer moves a host's remembered state (``inbox.delivery.hosts``), without a worker."""

from __future__ import annotations

from inbox.delivery.hosts import SUCCESS_RESOLUTION, host_after_answer, host_from_row, host_to_row
from inbox.delivery.policy import HostState
from inbox.delivery.sender import Answer

NOW = 1_700_000_000.0
COLUMNS = ("host", "signature_scheme", "scheme_probed", "consecutive_failures", "open_until",
           "failure_days", "unavailable", "last_success_at", "last_failure_at", "last_error")


def test_a_healthy_host_is_left_alone_by_a_success_within_the_resolution():
    state = HostState("a.example", last_success_at=NOW - SUCCESS_RESOLUTION / 2)
    after, resend = host_after_answer(state, Answer(202), scheme="cavage", now=NOW, retry_after=None)
    assert after is state and resend is False


def test_a_failing_host_is_healed_by_any_success():
    state = HostState("a.example", consecutive_failures=3, last_success_at=NOW - 1)
    after, _ = host_after_answer(state, Answer(200), scheme="cavage", now=NOW, retry_after=None)
    assert after.consecutive_failures == 0 and after.last_success_at == NOW


def test_a_refusal_of_ours_says_nothing_about_the_host():
    state = HostState("a.example")
    after, _ = host_after_answer(state, Answer(None, error="forbidden address", permanent=True),
                                 scheme="cavage", now=NOW, retry_after=None)
    assert after is state


def test_a_500_counts_against_the_host():
    after, resend = host_after_answer(HostState("a.example"), Answer(500), scheme="cavage",
                                      now=NOW, retry_after=None)
    assert after.consecutive_failures == 1 and after.last_error == "HTTP 500" and resend is False


def test_a_401_to_cavage_asks_for_a_resend_signed_rfc9421():
    after, resend = host_after_answer(HostState("a.example"), Answer(401), scheme="cavage",
                                      now=NOW, retry_after=None)
    assert resend is True and after.signature_scheme == "rfc9421"


def test_host_state_survives_a_round_trip_through_its_row():
    state = HostState("a.example:8443", "rfc9421", True, 2, NOW + 60, (19000, 19001), False,
                      NOW - 5, NOW - 1, "HTTP 503")
    assert host_from_row(dict(zip(COLUMNS, host_to_row(state)))) == state
