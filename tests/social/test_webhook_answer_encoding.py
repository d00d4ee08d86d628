"""A webhook receiver's answer is read at most 64 KiB and never inflated: a receiver (chosen
by a user) answering a gzip bomb costs the inbox no memory."""

from __future__ import annotations

import gzip
import tracemalloc

from inbox.storage import webhooks as store
from inbox.webhooks import fire
from tests.social.test_webhooks import ALICE, REPLY, Clock, db, set_hook, worker  # noqa: F401
from tests.support.remote import FakeFediverse


async def test_a_receiver_answering_a_gzip_bomb_is_delivered_without_inflating_it(db) -> None:  # noqa: F811
    clock = Clock()
    async with FakeFediverse() as receiver:
        bomb = gzip.compress(b"\0" * (256 * 1024 * 1024), compresslevel=1)
        receiver.inbox_status = 200
        receiver.post_answer = (bomb, {"Content-Encoding": "gzip", "Content-Type": "text/plain"})
        await set_hook(db, receiver.base + "/hook")
        await fire(db, actor=ALICE, event="reply", activity=REPLY, now=clock())
        tracemalloc.start()
        try:
            assert await worker(db, clock).run_once() == 1
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    [delivery_id] = [r.json()["delivery_id"] for r in receiver.deliveries]
    state = await store.call_state(db, delivery_id)
    assert state["state"] == "delivered"
    assert peak < 16 * 1024 * 1024
