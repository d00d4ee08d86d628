"""What the worker knows of each remote host, apart from the worker's scheduling.

A ``policy.HostState`` is read from and written to ``delivery_hosts`` rows, and one answer
from the host moves it on (circuit, failure days, signature scheme). Pure functions, so the
rules can be read and tested without a running worker.
"""

from __future__ import annotations

import json
from typing import Any

from inbox.delivery import policy
from inbox.delivery.sender import Answer

SUCCESS_RESOLUTION = 60.0  # a healthy host's last_success_at is rewritten at most this often


def host_after_answer(state: policy.HostState, answer: Answer, *, scheme: policy.Scheme, now: float,
                      retry_after: float | None) -> tuple[policy.HostState, bool]:
    """The host's state after this answer, and whether to resend at once signed the other way
    (a 401 to the scheme we tried). A healthy host's state is left as it is, so most successes
    write nothing."""
    resend = False
    if answer.status == 401:
        state, resend = policy.on_unauthorized(state, scheme)
    if answer.permanent:
        pass  # our refusal says nothing about the host
    elif answer.status is not None and not policy.host_failed_by(answer.status):
        if state.consecutive_failures or state.unavailable or state.failure_days or state.open_until:
            state = policy.host_after_success(state, now)
        elif 200 <= answer.status < 300 and now - (state.last_success_at or 0.0) >= SUCCESS_RESOLUTION:
            state = policy.host_after_success(state, now)
    else:
        state = policy.host_after_failure(
            state, now, error=answer.error or f"HTTP {answer.status}",
            retry_after=retry_after if answer.status == 429 else None,
        )
    return state, resend


def host_from_row(data: dict[str, Any]) -> policy.HostState:
    """A ``delivery_hosts`` row as a HostState."""
    return policy.HostState(
        host=data["host"], signature_scheme=data["signature_scheme"], scheme_probed=bool(data["scheme_probed"]),
        consecutive_failures=data["consecutive_failures"], open_until=data["open_until"],
        failure_days=tuple(json.loads(data["failure_days"] or "[]")), unavailable=bool(data["unavailable"]),
        last_success_at=data["last_success_at"], last_failure_at=data["last_failure_at"],
        last_error=data["last_error"],
    )


def host_to_row(state: policy.HostState) -> tuple[Any, ...]:
    """A HostState as the parameters of the ``delivery_hosts`` upsert, in column order."""
    return (
        state.host, state.signature_scheme, int(state.scheme_probed), state.consecutive_failures,
        state.open_until, json.dumps(list(state.failure_days)), int(state.unavailable),
        state.last_success_at, state.last_failure_at, state.last_error,
    )
