"""The hot path's cache of local actors: the shared inbox's list is read once per expiry and
read again as soon as a registration clears it."""

from __future__ import annotations

from inbox.caches import LocalActorCache
from inbox.storage.actors import LocalActor, save_actor
from inbox.storage.db import Database


def _actor(name: str) -> LocalActor:
    return LocalActor(f"@{name}@blog.example", f"https://blog.example/{name}.json",
                      f"https://blog.example/{name}.json#main-key", "PUBLIC", "PRIVATE", False, False, 1.0)


async def test_the_list_of_local_actors_is_cached_until_cleared(tmp_path) -> None:
    db = await Database.open(tmp_path / "inbox.sqlite3")
    try:
        cache = LocalActorCache(ttl=3600)
        await save_actor(db, _actor("alice"))
        assert [a.mention for a in await cache.all(db)] == ["@alice@blog.example"]
        await save_actor(db, _actor("bob"))
        assert [a.mention for a in await cache.all(db)] == ["@alice@blog.example"]  # cached
        cache.clear()  # what every registration through the API does
        assert [a.mention for a in await cache.all(db)] == ["@alice@blog.example", "@bob@blog.example"]
    finally:
        await db.close()
