"""Webhooks: signed envelopes, GitHub bodies, the durable queue with retries, refused targets."""

from __future__ import annotations

import json
import random
import time

import pytest

from inbox.settings import Settings
from inbox.storage import webhooks as store
from inbox.storage.db import Database
from inbox.webhooks import WebhookWorker, enqueue_event, fire, verify_signature
from inbox.webhooks.envelope import build_call, github_body, hook_problem, make_envelope, sign_body
from tests.social.hook_receiver import HookReceiver

SECRET = "s3cret-for-tests-0123456789"
ALICE = "@alice@blog.example"
REPLY = {"type": "Create", "id": "https://remote.example/a/1", "actor": "https://remote.example/u",
         "object": {"type": "Note", "id": "https://remote.example/n/1", "content": "<p>hi</p>"}}


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "inbox.sqlite3")
    yield database
    await database.close()


async def set_hook(db: Database, url: str, *, name: str = "reply", fmt: str = "envelope",
                   headers: dict | None = None) -> None:
    await store.put_hook(db, store.Hook(ALICE, name, url, "POST", headers or {}, SECRET, fmt,
                                        0.0, 0.0))


def worker(db: Database, clock: Clock, *, allow_private: bool = True) -> WebhookWorker:
    return WebhookWorker(db, Settings(allow_private_fetch=allow_private), clock=clock,
                         rng=random.Random(7), timeout=5)


# --- the pure envelope --------------------------------------------------------------------

def test_envelope_signature_is_an_hmac_of_the_exact_body_a_receiver_can_verify():
    envelope = make_envelope(event="reply", actor=ALICE, activity=REPLY, delivery_id="d1",
                             now=1_800_000_000)
    call = build_call(envelope=envelope, url="https://hooks.example/x", method="POST",
                      headers={"X-Fedipress-Signature": "forged", "X-Custom": "1"},
                      secret=SECRET, fmt="envelope")
    assert json.loads(call.body) == {"event": "reply", "actor": ALICE, "activity": REPLY,
                                     "delivery_id": "d1", "timestamp": "2027-01-15T08:00:00Z"}
    header = call.headers["X-Fedipress-Signature"]
    assert header.startswith("sha256=") and header != "forged"
    assert verify_signature(SECRET, call.body, header)
    assert not verify_signature("another-secret-000000", call.body, header)
    assert not verify_signature(SECRET, call.body + b" ", header)
    assert call.headers["X-Custom"] == "1" and call.headers["X-Fedipress-Event"] == "reply"


def test_github_format_is_a_repository_dispatch_body_with_the_envelope_as_payload():
    envelope = make_envelope(event="onapproved", actor=ALICE, activity=REPLY, delivery_id="d2",
                             now=0)
    call = build_call(envelope=envelope, url="https://api.github.example/repos/a/b/dispatches",
                      method="POST", headers={"Authorization": "Bearer t"}, secret=SECRET,
                      fmt="github")
    body = json.loads(call.body)
    assert body == github_body(envelope)
    assert body["event_type"] == "fedipress-onapproved"
    assert body["client_payload"]["delivery_id"] == "d2"
    assert len(body["client_payload"]) <= 10  # GitHub's limit on top-level payload keys
    assert call.headers["Accept"] == "application/vnd.github+json"
    assert call.headers["X-Fedipress-Signature"] == sign_body(SECRET, call.body)


@pytest.mark.parametrize(("body", "fragment"), [
    ([], "JSON object"),
    ({"url": "ftp://x.example/"}, "http(s)"),
    ({"url": "https://u:p@x.example/"}, "credentials"),
    ({"url": "https://x.example/", "method": "DELETE"}, "method"),
    ({"url": "https://x.example/", "headers": {"Host": "evil"}}, "set by the inbox"),
    ({"url": "https://x.example/", "headers": {"X-A": "a\r\nB: c"}}, "line breaks"),
    ({"url": "https://x.example/", "secret": "short"}, "secret"),
    ({"url": "https://x.example/", "format": "xml"}, "format"),
])
def test_bad_hook_bodies_are_refused_with_a_reason(body, fragment):
    assert fragment in (hook_problem(body) or "")


# --- the queue and the worker ---------------------------------------------------------------

async def test_fired_event_reaches_the_receiver_signed_with_the_hook_secret(db):
    clock = Clock()
    async with HookReceiver() as receiver:
        await set_hook(db, receiver.url)
        await fire(db, actor=ALICE, event="reply", activity=REPLY, now=clock())
        assert await worker(db, clock).run_once() == 1
    [call] = receiver.calls
    assert verify_signature(SECRET, call.body, call.headers["X-Fedipress-Signature"])
    envelope = json.loads(call.body)
    assert envelope["event"] == "reply" and envelope["activity"] == REPLY
    state = await store.call_state(db, envelope["delivery_id"])
    assert state["state"] == "delivered" and state["attempts"] == 1


async def test_event_without_a_hook_queues_nothing(db):
    await set_hook(db, "http://127.0.0.1:9/hook", name="like")
    assert await enqueue_event(db, actor=ALICE, event="reply", activity=REPLY, now=0) is None
    assert await store.count_pending(db) == 0


async def test_failing_receiver_is_retried_on_the_delivery_schedule_with_an_injected_clock(db):
    clock = Clock()
    async with HookReceiver(statuses=[503, 500, 204]) as receiver:
        await set_hook(db, receiver.url)
        delivery_id = await enqueue_event(db, actor=ALICE, event="reply", activity=REPLY,
                                          now=clock())
        hooks = worker(db, clock)
        assert await hooks.run_once() == 1
        first = await store.call_state(db, delivery_id)
        assert first["state"] == "pending" and first["last_status"] == 503
        wait = first["next_attempt_at"] - clock.now
        assert 15 <= wait < 15 + 30  # policy.retry_delay(1, jitter): 15 s plus up to 30 s
        assert await hooks.run_once() == 0  # not due yet: nothing is sent early
        clock.now += wait
        assert await hooks.run_once() == 1
        second = await store.call_state(db, delivery_id)
        assert second["state"] == "pending" and second["attempts"] == 2
        clock.now = second["next_attempt_at"]
        assert await hooks.run_once() == 1
    assert (await store.call_state(db, delivery_id))["state"] == "delivered"
    assert len(receiver.calls) == 3
    assert len({json.loads(c.body)["delivery_id"] for c in receiver.calls}) == 1


async def test_client_error_gives_up_without_retrying(db):
    clock = Clock()
    async with HookReceiver(statuses=[404]) as receiver:
        await set_hook(db, receiver.url)
        delivery_id = await enqueue_event(db, actor=ALICE, event="reply", activity=REPLY, now=0)
        await worker(db, clock).run_once()
    state = await store.call_state(db, delivery_id)
    assert state["state"] == "failed" and "404" in state["last_error"]


async def test_private_target_is_refused_unless_the_operator_allows_it(db):
    clock = Clock()
    async with HookReceiver() as receiver:
        await set_hook(db, receiver.url)  # 127.0.0.1
        delivery_id = await enqueue_event(db, actor=ALICE, event="reply", activity=REPLY, now=0)
        await worker(db, clock, allow_private=False).run_once()
        assert receiver.calls == []
        state = await store.call_state(db, delivery_id)
        assert state["state"] == "failed" and "private address" in state["last_error"]


async def test_name_resolving_to_loopback_is_refused(db):
    clock = Clock()
    await set_hook(db, "http://localhost.:9/hook")  # a name, judged after DNS
    delivery_id = await enqueue_event(db, actor=ALICE, event="reply", activity=REPLY, now=0)
    await worker(db, clock, allow_private=False).run_once()
    state = await store.call_state(db, delivery_id)
    assert state["state"] == "failed" and "private address" in state["last_error"]


async def test_removed_hook_stops_its_pending_calls(db):
    await set_hook(db, "http://127.0.0.1:9/hook")
    delivery_id = await enqueue_event(db, actor=ALICE, event="reply", activity=REPLY, now=0)
    assert await store.delete_hook(db, ALICE, "reply")
    assert (await store.call_state(db, delivery_id))["state"] == "failed"
    assert await worker(db, Clock()).run_once() == 0


async def test_fire_never_raises_and_never_waits_for_the_receiver(db, tmp_path):
    async with HookReceiver(delay=3.0) as receiver:
        await set_hook(db, receiver.url)
        await fire(db, actor=ALICE, event="reply", activity=REPLY, now=0)
        assert receiver.calls == []  # no network inside fire (a call is recorded before the delay)
    await fire(db, actor=ALICE, event="no-such-event", activity=REPLY, now=0)
    broken = await Database.open(tmp_path / "other.sqlite3")
    await broken.close()
    await fire(broken, actor=ALICE, event="reply", activity=REPLY, now=0)  # logged, not raised


async def test_running_worker_is_woken_by_fire(db):
    async with HookReceiver() as receiver:
        await set_hook(db, receiver.url)
        hooks = WebhookWorker(db, Settings(allow_private_fetch=True), poll_interval=30)
        import asyncio

        task = asyncio.create_task(hooks.run())
        await asyncio.sleep(0.05)
        await fire(db, actor=ALICE, event="reply", activity=REPLY, now=time.time())
        for _ in range(200):
            if receiver.calls:
                break
            await asyncio.sleep(0.02)
        await hooks.stop()
        await task
    assert len(receiver.calls) == 1  # well before the 30 s poll
