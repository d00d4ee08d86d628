"""A 410 from a shared inbox: nobody is removed, and the post still reaches each follower
through their own inbox (where a 410 does remove that one follower)."""

from __future__ import annotations

from inbox.delivery import enqueue, follower_inboxes
from tests.delivery.conftest import ACTOR, add_follower, note_activity


async def _rows(db, job):
    return {r["inbox"]: dict(r) for r in await db.fetchall("SELECT * FROM deliveries WHERE job_id = ?", (job,))}


async def test_410_from_a_shared_inbox_removes_nobody_and_falls_back_to_own_inboxes(db, worker, receivers, clock):
    def shared_gone(receiver, request, n):
        if request.path == "/inbox":
            return 410, {}
        return (410, {}) if request.path == "/users/c/inbox" else None

    host = await receivers(behaviour=shared_gone)
    for name in ("a", "b", "c"):
        await add_follower(db, f"https://remote.example/u/{name}", host.url(f"/users/{name}/inbox"), host.url("/inbox"))
    assert await follower_inboxes(db, ACTOR) == [host.url("/inbox")]

    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[host.url("/inbox")], now=clock())
    await worker.run_once()  # the shared inbox answers 410
    rows = await _rows(db, job)
    assert rows[host.url("/inbox")]["state"] == "failed" and rows[host.url("/inbox")]["last_status"] == 410
    assert {r["follower_id"] for r in await db.fetchall("SELECT follower_id FROM followers")} == {
        "https://remote.example/u/a", "https://remote.example/u/b", "https://remote.example/u/c"}
    # the same job now goes to each follower's own inbox
    assert {host.url(f"/users/{n}/inbox") for n in "abc"} <= rows.keys()

    await worker.run_once()
    rows = await _rows(db, job)
    assert rows[host.url("/users/a/inbox")]["state"] == "delivered"
    assert rows[host.url("/users/b/inbox")]["state"] == "delivered"
    assert rows[host.url("/users/c/inbox")]["state"] == "failed"
    got = [h for h in host.delivered() if h.activity_type == "Create"]
    assert sorted(h.path for h in got) == ["/users/a/inbox", "/users/b/inbox"]
    assert all(h.verified for h in got)
    # only the follower whose own inbox is gone was removed
    assert {r["follower_id"] for r in await db.fetchall("SELECT follower_id FROM followers")} == {
        "https://remote.example/u/a", "https://remote.example/u/b"}


async def test_next_fan_out_skips_a_gone_shared_inbox_until_the_mark_expires(db, worker, receivers, clock):
    host = await receivers(behaviour=lambda r, req, n: (410, {}) if req.path == "/inbox" else None)
    other = await receivers()
    for name in ("a", "b"):
        await add_follower(db, f"https://remote.example/u/{name}", host.url(f"/users/{name}/inbox"), host.url("/inbox"))
    await add_follower(db, "https://other.example/u/z", other.url("/users/z/inbox"), other.url("/inbox"))
    await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=await follower_inboxes(db, ACTOR),
                  now=clock())
    await worker.run_once()

    targets = await follower_inboxes(db, ACTOR)
    assert targets == [host.url("/users/a/inbox"), host.url("/users/b/inbox"), other.url("/inbox")]
    await db.execute("UPDATE gone_shared_inboxes SET gone_at = gone_at - 31 * 86400")
    assert await follower_inboxes(db, ACTOR) == [host.url("/inbox"), other.url("/inbox")]


async def test_410_from_a_personal_inbox_still_removes_that_follower_only(db, worker, receivers, clock):
    host = await receivers(behaviour=lambda r, req, n: (410, {}) if req.path == "/users/x/inbox" else None)
    await add_follower(db, "https://remote.example/u/x", host.url("/users/x/inbox"), host.url("/inbox"))
    await add_follower(db, "https://remote.example/u/y", host.url("/users/y/inbox"), host.url("/inbox"))
    job = await enqueue(db, actor=ACTOR, activity=note_activity("Create"), inboxes=[host.url("/users/x/inbox")],
                        now=clock())
    await worker.run_once()
    assert [r["follower_id"] for r in await db.fetchall("SELECT follower_id FROM followers")] == [
        "https://remote.example/u/y"]
    assert list(await _rows(db, job)) == [host.url("/users/x/inbox")]  # nothing fanned out
    assert await db.fetchall("SELECT * FROM gone_shared_inboxes") == []
