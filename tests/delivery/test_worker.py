"""The worker against real loopback receivers: fan-out, retries, Retry-After, 410, order."""

from __future__ import annotations

import asyncio

from inbox.delivery import DeliveryWorker, enqueue, follower_inboxes
from inbox.delivery.policy import MAX_ATTEMPTS
from tests.delivery.conftest import ACTOR, FAST, SETTINGS, add_follower, note_activity


async def deliveries(db, job_id):
    return [dict(r) for r in await db.fetchall("SELECT * FROM deliveries WHERE job_id = ? ORDER BY id", (job_id,))]


async def test_followers_on_one_shared_inbox_get_one_signed_request(db, worker, receivers, clock):
    big = await receivers()
    small = await receivers()
    for n in range(500):
        await add_follower(db, f"https://big.example/u/{n}", big.url(f"/users/{n}/inbox"), big.url("/inbox"))
    await add_follower(db, "https://small.example/u/a", small.url("/users/a/inbox"))
    await add_follower(db, "https://small.example/u/b", small.url("/users/b/inbox"))

    targets = await follower_inboxes(db, ACTOR)
    assert targets == [big.url("/inbox"), small.url("/users/a/inbox"), small.url("/users/b/inbox")]
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=targets, now=clock())
    assert await worker.run_once() == 3

    assert [h.path for h in big.hits] == ["/inbox"]
    assert sorted(h.path for h in small.hits) == ["/users/a/inbox", "/users/b/inbox"]
    for hit in big.hits + small.hits:
        assert hit.verified, hit.failure
        assert hit.scheme == "cavage"
    assert {r["state"] for r in await deliveries(db, job)} == {"delivered"}


async def test_500_then_202_is_retried_after_the_schedule_delay(db, worker, receivers, clock):
    flaky = await receivers(behaviour=lambda r, req, n: (500, {}) if n == 1 else None)
    start = clock()
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[flaky.url()], now=start)
    assert await worker.run_once() == 1
    [row] = await deliveries(db, job)
    assert row["state"] == "pending" and row["attempts"] == 1 and row["last_status"] == 500
    # attempt 1 failed: 0**4 + 15 s plus up to 29 s of jitter
    assert start + 15 <= row["next_attempt_at"] <= start + 15 + 29

    assert await worker.run_once() == 0  # not due yet
    clock.advance(row["next_attempt_at"] - start)
    assert await worker.run_once() == 1
    [row] = await deliveries(db, job)
    assert row["state"] == "delivered" and row["attempts"] == 2
    assert [h.status for h in flaky.hits] == [500, 202]


async def test_429_retry_after_in_seconds_delays_the_retry_and_the_host(db, worker, receivers, clock):
    busy = await receivers(behaviour=lambda r, req, n: (429, {"Retry-After": "120"}) if n == 1 else None)
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[busy.url()], now=clock())
    await worker.run_once()
    [row] = await deliveries(db, job)
    assert row["state"] == "pending" and row["next_attempt_at"] == clock() + 120
    host = await db.fetchone("SELECT open_until FROM delivery_hosts WHERE host = ?", (busy.host,))
    assert host["open_until"] >= clock() + 120
    clock.advance(119)
    assert await worker.run_once() == 0
    clock.advance(1)
    assert await worker.run_once() == 1
    assert [h.status for h in busy.hits] == [429, 202]


async def test_429_retry_after_as_http_date_is_honoured(db, worker, receivers, clock):
    from email.utils import formatdate

    def answer(r, req, n):
        return (429, {"Retry-After": formatdate(clock() + 600, usegmt=True)}) if n == 1 else None

    busy = await receivers(behaviour=answer)
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[busy.url()], now=clock())
    await worker.run_once()
    [row] = await deliveries(db, job)
    assert abs(row["next_attempt_at"] - (clock() + 600)) <= 1


async def test_410_gone_fails_at_once_and_removes_that_follower(db, worker, receivers, clock):
    gone = await receivers(behaviour=lambda r, req, n: (410, {}))
    await add_follower(db, "https://gone.example/u/x", gone.url("/users/x/inbox"))
    await add_follower(db, "https://gone.example/u/y", gone.url("/users/y/inbox"))
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[gone.url("/users/x/inbox")], now=clock())
    await worker.run_once()
    [row] = await deliveries(db, job)
    assert row["state"] == "failed" and row["attempts"] == 1 and row["last_status"] == 410
    remaining = await db.fetchall("SELECT follower_id FROM followers")
    assert [r["follower_id"] for r in remaining] == ["https://gone.example/u/y"]


async def test_403_stops_at_once_without_retry(db, worker, receivers, clock):
    refusing = await receivers(behaviour=lambda r, req, n: (403, {}))
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[refusing.url()], now=clock())
    await worker.run_once()
    [row] = await deliveries(db, job)
    assert row["state"] == "failed" and row["attempts"] == 1


async def test_closed_port_is_retried_later(db, worker, clock):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"),
                        inboxes=[f"http://127.0.0.1:{port}/inbox"], now=clock())
    await worker.run_once()
    [row] = await deliveries(db, job)
    assert row["state"] == "pending" and row["attempts"] == 1 and row["last_status"] is None
    assert row["last_error"].startswith("connect")
    assert row["next_attempt_at"] > clock()


async def test_always_failing_inbox_is_given_up_after_16_retries_in_2_to_3_days(db, worker, receivers, clock):
    down = await receivers(behaviour=lambda r, req, n: (503, {}))
    start = clock()
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[down.url()], now=start)
    for _ in range(MAX_ATTEMPTS):
        row = (await deliveries(db, job))[0]
        if row["state"] != "pending":
            break
        clock.now = max(clock.now, row["next_attempt_at"])
        host = await db.fetchone("SELECT open_until FROM delivery_hosts WHERE host = ?", (down.host,))
        if host:
            clock.now = max(clock.now, host["open_until"])
        assert await worker.run_once() == 1
    [row] = await deliveries(db, job)
    assert row["state"] == "failed" and row["attempts"] == MAX_ATTEMPTS == 17
    assert 2 * 86400 <= clock() - start <= 3.5 * 86400
    assert len(down.hits) == 17


async def test_slow_inbox_does_not_hold_up_other_hosts(db, receivers, clock):
    slow = await receivers(delay=1.5)
    fast = [await receivers() for _ in range(3)]
    worker = DeliveryWorker(db, SETTINGS, clock=clock, config=FAST)
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"),
                        inboxes=[slow.url()] + [f.url() for f in fast], now=clock())
    task = asyncio.create_task(worker.run())
    try:
        for _ in range(100):
            if all(f.hits for f in fast):
                break
            await asyncio.sleep(0.02)
        assert all(f.delivered() for f in fast)
        assert slow.hits == []  # still being answered
        for _ in range(200):
            if slow.hits and (await deliveries(db, job))[0]["state"] == "delivered":
                break
            await asyncio.sleep(0.02)
        assert [r["state"] for r in await deliveries(db, job)] == ["delivered"] * 4
    finally:
        await worker.stop()
        await task


async def test_inbox_on_a_private_address_is_refused_without_private_fetch(db, receivers, clock):
    from types import SimpleNamespace

    target = await receivers()
    guarded = DeliveryWorker(db, SimpleNamespace(allow_private_fetch=False), clock=clock, config=FAST)
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[target.url()], now=clock())
    try:
        assert await guarded.run_once() == 1
    finally:
        await guarded.close()
    [row] = await deliveries(db, job)
    assert row["state"] == "failed" and row["last_error"].startswith("forbidden address")
    assert target.hits == []


async def test_attempts_are_counted_by_outcome_and_status_class(db, worker, receivers, clock):
    from prometheus_client import REGISTRY

    def count(outcome, status_class):
        return REGISTRY.get_sample_value(
            "fedipress_delivery_attempts_total", {"outcome": outcome, "status_class": status_class}) or 0

    before = (count("delivered", "2xx"), count("retry", "5xx"), count("rejected", "4xx"))
    ok = await receivers()
    down = await receivers(behaviour=lambda r, req, n: (502, {}))
    refusing = await receivers(behaviour=lambda r, req, n: (404, {}))
    await enqueue(db, actor=ACTOR, activity=note_activity("Create"),
                  inboxes=[ok.url(), down.url(), refusing.url()], now=clock())
    await worker.run_once()
    after = (count("delivered", "2xx"), count("retry", "5xx"), count("rejected", "4xx"))
    assert [a - b for a, b in zip(after, before)] == [1, 1, 1]


async def test_job_queued_by_another_process_is_picked_up_long_before_the_poll_interval(db, receivers, clock):
    # `fedipress inbox worker` next to `serve`: the enqueue happens in another process, so no
    # in-process wake-up reaches the worker; a cheap look for new rows must, well before a
    # 30 s poll would.
    from dataclasses import replace

    from inbox.delivery.queue import host_of
    from inbox.storage import deliveries as store

    inbox = await receivers()
    worker = DeliveryWorker(db, SETTINGS, clock=clock, config=replace(FAST, poll_interval=30.0))
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.3)  # started, claimed nothing, now idle until the poll
        await store.insert_job(db, job_id="from-elsewhere", actor=ACTOR, activity_id="https://blog.example/x",
                               type_="Create", object_key="https://blog.example/x", body='{"type":"Create"}',
                               deliveries=[store.NewDelivery(inbox.url(), host_of(inbox.url()))], now=clock())
        for _ in range(100):
            if inbox.hits:
                break
            await asyncio.sleep(0.02)
        assert len(inbox.hits) == 1
    finally:
        await worker.stop()
        await task
