"""Shared checks for hostile-input tests: nothing stored, delivered or called."""

from __future__ import annotations

import asyncio


async def assert_nothing_happened(world, *, fetched: bool = False, stored_raw: bool = False) -> None:
    """No activity stored (unless ``stored_raw``: accepted-and-dropped), no item, no follower,
    no delivery queued or sent, and (unless ``fetched``) no remote document fetched."""
    await asyncio.sleep(0.05)
    await world.inbox.settle()
    inbox = world.inbox
    if not stored_raw:
        assert await inbox.count("activities") == 0
    assert await inbox.count("inbox_items") == 0
    assert await inbox.count("followers") == 0
    assert await inbox.count("deliveries") == 0
    assert world.remote.deliveries == []
    if not fetched:
        assert world.remote.fetches == []
