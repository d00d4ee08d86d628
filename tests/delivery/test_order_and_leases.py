"""Order per target inbox, RFC 9421 fallback memory, leases between workers."""

from __future__ import annotations

import asyncio

from inbox.delivery import DeliveryWorker, enqueue, mark_host_seen
from inbox.storage import deliveries as store
from tests.delivery.conftest import ACTOR, FAST, SETTINGS, note_activity


async def test_create_update_delete_arrive_in_order_even_when_the_first_try_fails(db, worker, receivers, clock):
    # The inbox fails the Create twice; Update and Delete must wait for it, not overtake.
    flaky = await receivers(behaviour=lambda r, req, n: (500, {}) if n <= 2 else None)
    other = await receivers()
    inboxes = [flaky.url(), other.url()]
    for kind in ("Create", "Update", "Delete"):
        await enqueue(db, actor=ACTOR, activity=note_activity(kind), inboxes=inboxes, now=clock())
    for _ in range(12):
        clock.advance(3600)
        await worker.run_once()
    assert [h.activity_type for h in flaky.delivered()] == ["Create", "Update", "Delete"]
    assert [h.activity_type for h in flaky.hits] == ["Create", "Create", "Create", "Update", "Delete"]
    assert [h.activity_type for h in other.delivered()] == ["Create", "Update", "Delete"]


async def test_later_activity_waits_while_an_earlier_one_to_that_inbox_is_pending(db, worker, receivers, clock):
    down = await receivers(behaviour=lambda r, req, n: (500, {}))
    await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[down.url()], now=clock())
    await enqueue(db, actor=ACTOR, activity=note_activity("Update"), inboxes=[down.url()], now=clock())
    # A different post to the same inbox is not held up.
    await enqueue(db, actor=ACTOR, activity=note_activity("Create", obj="https://blog.example/ap/posts/other.json"),
                  inboxes=[down.url()], now=clock())
    await worker.run_once()
    assert sorted(h.activity_id for h in down.hits) == [
        "https://blog.example/ap/posts/hello.json#create-1",
        "https://blog.example/ap/posts/other.json#create-1",
    ]


async def test_host_refusing_cavage_with_401_gets_rfc9421_and_it_is_remembered(db, worker, receivers, clock):
    def only_9421(receiver, request, n):
        return (401, {}) if "Signature-Input" not in request.headers else None

    picky = await receivers(behaviour=only_9421)
    await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[picky.url()], now=clock())
    await worker.run_once()
    assert [(h.scheme, h.status) for h in picky.hits] == [("cavage", 401), ("rfc9421", 202)]
    assert all(h.verified for h in picky.hits), [h.failure for h in picky.hits]
    host = await db.fetchone("SELECT signature_scheme FROM delivery_hosts WHERE host = ?", (picky.host,))
    assert host["signature_scheme"] == "rfc9421"

    # A fresh worker (after restart) signs with RFC 9421 straight away.
    second = DeliveryWorker(db, SETTINGS, clock=clock, config=FAST)
    await enqueue(db, actor=ACTOR, activity=note_activity("Update"), inboxes=[picky.url()], now=clock())
    try:
        await second.run_once()
    finally:
        await second.close()
    assert [(h.scheme, h.status) for h in picky.hits][2:] == [("rfc9421", 202)]


async def test_leased_delivery_waits_for_lease_expiry_then_another_worker_sends_it(db, worker, receivers, clock):
    target = await receivers()
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[target.url()], now=clock())
    # A worker that claimed and then died (kill -9): its lease is all that is left of it.
    claimed = await store.claim_due(db, worker_id="dead-worker", now=clock(), lease_until=clock() + 60,
                                    limit=10, per_host=10)
    assert len(claimed) == 1
    assert await worker.run_once() == 0
    clock.advance(61)
    assert await worker.run_once() == 1
    assert len(target.delivered()) == 1
    row = await db.fetchone("SELECT state, lease_owner FROM deliveries WHERE job_id = ?", (job,))
    assert row["state"] == "delivered" and row["lease_owner"] is None


async def test_host_down_on_7_days_is_skipped_until_it_sends_us_something(db, worker, receivers, clock):
    down = await receivers(behaviour=lambda r, req, n: (503, {}))
    await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[down.url()], now=clock())
    for _ in range(7):
        clock.advance(86400)
        await worker.run_once()
    host = await db.fetchone("SELECT unavailable FROM delivery_hosts WHERE host = ?", (down.host,))
    assert host["unavailable"] == 1
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Update"), inboxes=[down.url()], now=clock())
    row = await db.fetchone("SELECT state, last_error FROM deliveries WHERE job_id = ?", (job,))
    assert (row["state"], row["last_error"]) == ("failed", "host unavailable")

    await mark_host_seen(db, down.host)
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create", 2, obj="https://blog.example/p/2"),
                        inboxes=[down.url()], now=clock())
    row = await db.fetchone("SELECT state FROM deliveries WHERE job_id = ?", (job,))
    assert row["state"] == "pending"


async def test_finished_deliveries_are_pruned_after_the_keep_period_but_pending_ones_stay(db, worker, receivers, clock):
    ok, down = await receivers(), await receivers(behaviour=lambda r, req, n: (503, {}))
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[ok.url(), down.url()],
                        now=clock())
    await worker.run_once()
    clock.advance(31 * 86400)
    assert await store.prune_finished(db, clock() - 30 * 86400) == 1
    rows = await db.fetchall("SELECT inbox, state FROM deliveries WHERE job_id = ?", (job,))
    assert [(r["inbox"], r["state"]) for r in rows] == [(down.url(), "pending")]
    assert await db.fetchone("SELECT 1 FROM delivery_jobs WHERE id = ?", (job,)) is not None
    assert [r["inbox"] for r in await db.fetchall("SELECT inbox FROM delivered_inboxes")] == [ok.url()]


async def test_deliveries_to_one_inbox_go_one_at_a_time_in_queue_order(db, worker, clock):
    from aiohttp import web

    arrived: list[str] = []
    state = {"now": 0, "most": 0}

    async def inbox(request: web.Request) -> web.Response:
        state["now"] += 1
        state["most"] = max(state["most"], state["now"])
        arrived.append((await request.json())["id"])
        await asyncio.sleep(0.05)
        state["now"] -= 1
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/users/new/inbox", inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/users/new/inbox"
    try:
        sent = []
        for n in range(4):  # different posts: no per-object order applies, queue order does
            activity = note_activity("Create", n, obj=f"https://blog.example/ap/posts/p{n}.json")
            sent.append(activity["id"])
            await enqueue(db, actor=ACTOR, activity=activity, inboxes=[url], now=clock())
        assert await worker.run_once() == 4
        assert arrived == sent
        assert state["most"] == 1
    finally:
        await runner.cleanup()
