"""From a blog's registration or post to a delivered activity of the announcements actor.

A blog that registered with ``announce: true`` gets one introduction (a Note mentioning it);
with ``announcements_boost`` on, its public posts get an Announce each (at most
``announcements_boosts_per_blog_per_day``; more are not queued). Each waits for the operator
when ``announcements_review`` is on (``fedipress inbox announcements approve|reject ID``), then
for the hourly limit (``announcements_per_hour``: the rest wait their turn, oldest first), and
goes to the actor's followers through the delivery queue (one delivery per shared inbox).

``release()`` sends what is due; it runs after every approval, after every announcement that
needs no review, and in the background every ``RELEASE_SECONDS`` (a turn the hourly limit
made wait). Releasing holds a named lease, so nodes and operator commands never send at once
and the limit holds across them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from fedicore.vocab import id_of
from inbox.announcements import writing
from inbox.announcements.actor import AnnouncementsActor, ensure_actor
from inbox.delivery.queue import enqueue, follower_targets, one_per_server
from inbox.storage import announcements as store
from inbox.storage import outbox as outbox_store
from inbox.storage import shared_work
from inbox.storage.actors import LocalActor, get_actor
from inbox.storage.db import Database

log = logging.getLogger("inbox.announcements")
HOUR, DAY = 3600.0, 86400.0
RELEASE_SECONDS = 30.0
LEASE = "announcements:release"


class AnnouncementRefused(Exception):
    """An operator's decision that cannot be made (unknown id, already decided, not a blog)."""


class Announcer:
    """The announcements actor's queue, for one database and one ``Settings``."""

    def __init__(self, db: Database, settings: Any, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.actor = AnnouncementsActor.of(settings)
        self._owner = f"announcer-{secrets.token_hex(6)}"
        self._stopping = asyncio.Event()
        self._releasing = asyncio.Lock()  # one release at a time in this process

    @property
    def enabled(self) -> bool:
        return bool(self.settings.announcements)

    async def ready(self) -> LocalActor | None:
        """The actor's row and key (made once), when the operator turned it on."""
        if not self.enabled:
            return None
        return await ensure_actor(self.db, self.actor, now=self.clock())

    # --- what gets queued -----------------------------------------------------------------

    async def blog_registered(self, blog: LocalActor) -> str | None:
        """Queue the introduction of a blog that asked for it; its id, or None."""
        if not self.enabled or not blog.announce or blog.mention == self.actor.mention:
            return None
        return await self._queue("blog", blog.mention, blog.actor_url)

    async def blog_published(self, mention: str, activity: dict[str, Any]) -> str | None:
        """Queue a boost of a post the blog just published, when boosts are on, it asked to be
        announced and its boosts of the day are not used up; its id, or None."""
        if not (self.enabled and self.settings.announcements_boost):
            return None
        blog = await get_actor(self.db, mention)
        if blog is None or not blog.announce or mention == self.actor.mention:
            return None
        post_id = writing.boostable_post(activity, blog.actor_url)
        if post_id is None:
            return None
        used = await store.boosts_since(self.db, mention, self.clock() - DAY)
        if used >= self.settings.announcements_boosts_per_blog_per_day:
            log.info("boost not queued: the blog's boosts of the day are used",
                     extra={"blog": mention, "post": post_id})
            return None
        return await self._queue("boost", mention, post_id)

    async def _queue(self, kind: str, blog: str, object_id: str) -> str | None:
        if await store.is_stopped(self.db, blog):
            return None
        id_ = secrets.token_hex(6)
        state = store.WAITING if self.settings.announcements_review else store.APPROVED
        if not await store.add(self.db, id_=id_, kind=kind, blog=blog, object_id=object_id,
                               state=state, now=self.clock()):
            return None  # introduced or boosted before
        log.info("announcement queued", extra={"id": id_, "kind": kind, "blog": blog, "state": state})
        if state == store.APPROVED:
            await self.release()
        return id_

    # --- the operator ---------------------------------------------------------------------

    async def pending(self) -> list[dict[str, Any]]:
        return await store.pending(self.db)

    async def approve(self, id_: str, *, who: str = "operator") -> None:
        await self._decide(id_, store.APPROVED, who)
        await self.release()

    async def reject(self, id_: str, *, who: str = "operator") -> None:
        await self._decide(id_, store.REJECTED, who)

    async def _decide(self, id_: str, to: str, who: str) -> None:
        if not await store.decide(self.db, id_, to=to, who=who, now=self.clock()):
            found = await store.get(self.db, id_)
            if found is None:
                raise AnnouncementRefused(f"no announcement {id_!r}")
            raise AnnouncementRefused(f"announcement {id_} is {found['state']} already")

    async def stop_blog(self, blog: str, *, who: str = "operator") -> int:
        """Never announce or boost ``blog`` again; returns its withdrawn pending announcements."""
        return await store.stop_blog(self.db, blog, who=who, now=self.clock())

    async def resume_blog(self, blog: str) -> bool:
        return await store.resume_blog(self.db, blog)

    async def stopped_blogs(self) -> list[dict[str, Any]]:
        return await store.stopped(self.db)

    # --- sending --------------------------------------------------------------------------

    async def release(self) -> int:
        """Send approved announcements, oldest first, as far as the hourly limit allows;
        returns how many were sent."""
        if not self.enabled:
            return 0
        async with self._releasing:
            return await self._release()

    async def _release(self) -> int:
        now = self.clock()
        if not await shared_work.take_named_lease(self.db, LEASE, owner=self._owner, now=now, until=now + 60):
            return 0  # another node or command is releasing right now
        try:
            room = self.settings.announcements_per_hour - await store.sent_since(self.db, now - HOUR)
            if room <= 0:
                return 0
            await self.ready()
            sent = 0
            for row in await store.due(self.db, room):
                if await self._send(row, now):
                    sent += 1
            return sent
        finally:
            await shared_work.drop_named_lease(self.db, LEASE, owner=self._owner)

    async def _send(self, row: dict[str, Any], now: float) -> bool:
        blog = await get_actor(self.db, row["blog"])
        if blog is None or await store.is_stopped(self.db, row["blog"]):
            await store.decide(self.db, row["id"], to=store.REJECTED, who="gone", now=now)
            return False
        if row["kind"] == "blog":
            activity = writing.introduction(self.actor, announcement_id=row["id"], blog_mention=blog.mention,
                                            blog_url=blog.actor_url, now=now)
        else:
            activity = writing.boost(self.actor, announcement_id=row["id"], post_id=row["object_id"],
                                     blog_url=blog.actor_url, now=now)
        await self._publish(activity, now)  # idempotent by activity id: safe to repeat
        if not await store.mark_sent(self.db, row["id"], activity_id=activity["id"], now=now):
            return False
        log.info("announcement sent", extra={"id": row["id"], "kind": row["kind"], "blog": row["blog"]})
        return True

    async def _publish(self, activity: dict[str, Any], now: float) -> None:
        """Keep it in the actor's outbox and queue it to every follower's (shared) inbox."""
        mention = self.actor.mention
        fresh = await outbox_store.store_outbox_activity(
            self.db, activity_id=activity["id"], actor=mention, type_=activity["type"],
            object_id=id_of(activity.get("object")), public=True,
            body=json.dumps(activity, ensure_ascii=False, separators=(",", ":")), now=now)
        if not fresh:
            return
        rows = await outbox_store.follower_rows(self.db, mention, now=now)
        targets = one_per_server(follower_targets(rows), rows)
        if targets:
            job_id = await enqueue(self.db, actor=mention, activity=activity, inboxes=targets, now=now)
            await outbox_store.set_outbox_job(self.db, activity["id"], job_id)

    # --- the background turn (inbox.background) -------------------------------------------

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.release()
            except Exception as exc:  # noqa: BLE001 - a bad turn must not end the loop
                log.error("releasing announcements failed", extra={"error": repr(exc)})
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RELEASE_SECONDS)

    async def stop(self) -> None:
        self._stopping.set()
