"""The processing batch remembers a queue found at its cap (``Effects._queue_full``), so a burst
from one host asks for the count once. What it remembers must never refuse an item the count
would take: a sender and a host are told apart, and a removal that ends while an item is being
counted makes that count (and what was remembered before it) stale. The count is the database's
(tests/inbox/test_hostile_flooding.py); here it is played by a stand-in, to order the steps."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from inbox.handlers import apply as apply_module
from inbox.handlers.apply import Effects
from inbox.handlers.follow import FollowIntent

ALICE = SimpleNamespace(mention="@alice@blog.example")


def effects(per_actor: int, per_host: int) -> Effects:
    settings = SimpleNamespace(max_queued_per_actor=per_actor, max_queued_per_host=per_host)
    return Effects(db=None, fetcher=None, settings=settings)


async def test_a_sender_at_its_cap_whose_id_is_its_hosts_root_does_not_fill_its_host(monkeypatch):
    counts = {"https://h.example/": (1, 1), "https://h.example/users/x": (0, 1)}

    async def queued_from(db, mention, author, host):
        return counts[author]

    monkeypatch.setattr(apply_module.item_store, "queued_from", queued_from)
    run = effects(per_actor=1, per_host=10)
    assert await run._queue_full(ALICE, "https://h.example/") is True
    assert await run._queue_full(ALICE, "https://h.example/users/x") is False


async def test_a_queue_counted_full_while_an_undo_frees_room_is_counted_again_after_it(monkeypatch):
    removing, removed, counted = asyncio.Event(), asyncio.Event(), asyncio.Event()
    queued = {"n": 2}

    async def queued_from(db, mention, author, host):
        n = queued["n"]  # read before the removal lands
        counted.set()
        return n, n

    async def removal(self, intent, actor, *, now):  # an Undo's delete, as slow as a database
        removing.set()
        await counted.wait()
        queued["n"] = 1
        removed.set()
        return "undone"

    monkeypatch.setattr(apply_module.item_store, "queued_from", queued_from)
    monkeypatch.setattr(Effects, "_follow", removal)
    run = effects(per_actor=2, per_host=50)
    undo = asyncio.create_task(run.apply(FollowIntent("https://h.example/users/x", {}), ALICE,
                                         {}, None, now=0.0))
    await removing.wait()
    assert await run._queue_full(ALICE, "https://h.example/users/y") is True  # counted before
    await undo
    assert await run._queue_full(ALICE, "https://h.example/users/y") is False
