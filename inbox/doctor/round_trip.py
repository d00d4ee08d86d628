"""A live follow round trip, run by the inbox's instance actor against one of its blogs.

It does what a remote server does when someone there follows the blog, through the blog's
public URLs and with a fresh fetcher (no cache): WebFinger on the blog's host, the actor
document, a signed ``Follow`` POSTed to the inbox the actor names, then waits for the blog's
signed ``Accept`` at the instance actor's inbox (``POST /actor/inbox``), and finally sends
``Undo`` and sees the follower go. Every step is timed; the first failure ends the trip and
whatever was created is cleaned up.

The waiting is in memory: with several inbox processes behind one address an ``Accept`` may
reach another process, and the trip reports a timeout that says so.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from fedicore import activities as builders
from fedicore.handles import Handle
from fedicore.httpsig import HttpRequest, sign_request
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT, id_of
from inbox.delivery.sender import Sender
from inbox.delivery.signing import Payload, Target
from inbox.fetcher import FetchFailure, Fetcher
from inbox.storage import followers as follower_store
from inbox.storage import items as item_store
from inbox.storage.actors import LocalActor

MAX_WAIT = 60.0


@dataclass
class Step:
    step: str
    ok: bool
    ms: float
    detail: str


class PendingAccepts:
    """Follow ids the doctor waits on -> the future its Accept (or Reject) resolves."""

    def __init__(self) -> None:
        self._waiting: dict[str, tuple[str, asyncio.Future[dict[str, Any]]]] = {}

    def expect(self, follow_id: str, followed: str) -> asyncio.Future[dict[str, Any]]:
        """Wait for the answer of ``followed`` (only that actor's) to the Follow ``follow_id``."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[follow_id] = (followed, future)
        return future

    def awaits(self, activity: dict[str, Any]) -> bool:
        """Is ``activity`` an Accept or Reject of a Follow the doctor waits on (before any check
        of who sent it)?"""
        if activity.get("type") not in ("Accept", "Reject"):
            return False
        waiting = self._waiting.get(id_of(activity.get("object")) or "")
        return waiting is not None and not waiting[1].done()

    def forget(self, follow_id: str) -> None:
        self._waiting.pop(follow_id, None)

    def answered(self, activity: dict[str, Any], signer: str) -> bool:
        """An Accept or Reject arrived, its signature verified by ``signer``, a key of the
        activity's actor; True if it is the awaited answer of the followed actor."""
        followed, future = self._waiting.get(id_of(activity.get("object")) or "", ("", None))
        if future is None or future.done() or activity.get("actor") != followed:
            return False
        future.set_result({"type": activity.get("type"), "actor": activity.get("actor"),
                           "signer": signer})
        return True


class _Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


class RoundTrip:
    def __init__(self, state: Any, local: LocalActor, *, wait: float) -> None:
        self.state = state
        self.local = local
        self.wait = min(max(wait, 1.0), MAX_WAIT)
        self.steps: list[Step] = []
        self.instance = state.instance_actor
        self.expected_inbox = f"{state.settings.base_url}/v1/{local.mention}/inbox"

    def _add(self, name: str, ok: bool, timer: _Timer, detail: str) -> bool:
        self.steps.append(Step(name, ok, timer.ms(), detail))
        return ok

    async def run(self) -> list[dict[str, Any]]:
        settings = self.state.settings
        fetcher = Fetcher(allow_private=settings.allow_private_fetch, wall_clock=self.state.clock)
        sender = Sender(timeout=15.0, allow_private=bool(settings.allow_private_fetch))
        await sender.start()
        try:
            await self._trip(fetcher, sender)
        finally:
            await sender.close()
            await fetcher.close()
        return [asdict(step) for step in self.steps]

    async def _trip(self, fetcher: Fetcher, sender: Sender) -> None:
        actor_url = await self._webfinger(fetcher)
        if actor_url is None:
            return
        inbox = await self._actor(fetcher, actor_url)
        if inbox is None:
            return
        token = secrets.token_hex(8)
        follow = {"@context": AS_CONTEXT, "id": f"{self.instance.id}/doctor/follow/{token}",
                  "type": "Follow", "actor": self.instance.id, "object": actor_url}
        pending: PendingAccepts = self.state.doctor_accepts
        answer = pending.expect(follow["id"], actor_url)
        try:
            if not await self._post("follow", sender, inbox, follow):
                return
            if not await self._accepted(answer, follow):
                return
            undo = builders.undo(self.instance.id, follow,
                                 activity_id=f"{self.instance.id}/doctor/undo/{token}")
            if await self._post("undo", sender, inbox, undo):
                await self._gone()
        finally:
            pending.forget(follow["id"])
            await self._clean_up(follow)

    async def _webfinger(self, fetcher: Fetcher) -> str | None:
        timer = _Timer()
        handle = Handle.parse(self.local.mention)
        scheme = self.local.actor_url.split("://", 1)[0]
        url = f"{scheme}://{handle.domain}/.well-known/webfinger?resource=acct:{handle.user}@{handle.domain}"
        jrd = await fetcher.fetch_jrd(url)
        if isinstance(jrd, FetchFailure):
            self._add("webfinger", False, timer, f"{url}: {jrd.detail}")
            return None
        links = jrd.get("links") if isinstance(jrd.get("links"), list) else []
        href = next((link.get("href") for link in links if isinstance(link, dict)
                     and link.get("rel") == "self" and isinstance(link.get("href"), str)), None)
        if href is None:
            self._add("webfinger", False, timer, f"{url}: no rel=self link to the actor")
            return None
        if href != self.local.actor_url:
            self._add("webfinger", False, timer, f"{url} names {href}, but the blog registered "
                      f"{self.local.actor_url} here")
            return None
        self._add("webfinger", True, timer, f"acct:{handle.user}@{handle.domain} -> {href}")
        return href

    async def _actor(self, fetcher: Fetcher, actor_url: str) -> str | None:
        timer = _Timer()
        document = await fetcher.fetch_document(actor_url, signer=await self.instance.signer())
        if isinstance(document, FetchFailure):
            self._add("actor", False, timer, f"{actor_url}: {document.detail}")
            return None
        inbox = document.get("inbox")
        if not isinstance(inbox, str):
            self._add("actor", False, timer, f"{actor_url} has no inbox")
            return None
        if inbox != self.expected_inbox:
            self._add("actor", False, timer, f"the actor's inbox is {inbox}, not this inbox's "
                      f"{self.expected_inbox}: followers' servers deliver elsewhere")
            return None
        self._add("actor", True, timer, f"{actor_url}: inbox {inbox}")
        return inbox

    async def _post(self, name: str, sender: Sender, inbox: str, activity: dict[str, Any]) -> bool:
        timer = _Timer()
        body = json.dumps(activity, separators=(",", ":")).encode("utf-8")
        _, private_pem = await self.instance.pair()
        headers = {"Content-Type": ACTIVITY_JSON}
        headers |= sign_request(HttpRequest("POST", inbox, dict(headers), body),
                                key_id=self.instance.key_id, private_key=private_pem,
                                now=self.state.clock())
        answer = await sender.post(Target.of(inbox), Payload.of(body), headers)
        if answer.status is None:
            return self._add(name, False, timer, f"POST {inbox}: {answer.error}")
        ok = 200 <= answer.status < 300
        return self._add(name, ok, timer, f"signed {activity['type']} POSTed to {inbox}: HTTP "
                         f"{answer.status}")

    async def _accepted(self, answer: asyncio.Future, follow: dict[str, Any]) -> bool:
        timer = _Timer()
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            if answer.done():
                got = answer.result()
                ok = got["type"] == "Accept"
                return self._add("accept", ok, timer, f"signed {got['type']} received from "
                                 f"{got['actor']} (signature verified, key {got['signer']})")
            item = await item_store.get_item(self.state.db, self.local.mention, follow["id"])
            if item is not None and item.state == "queued":
                return self._add("accept", False, timer, "the Follow waits in your queue: the blog "
                                 "approves followers by hand (manuallyApprovesFollowers)")
            await asyncio.sleep(0.05)
        follower = await follower_store.get_follower(self.state.db, self.local.mention, self.instance.id)
        why = ("the Follow was taken (the follower is stored) but no Accept arrived: the delivery "
               "worker is not running or cannot reach this inbox's own /actor/inbox"
               if follower else "the Follow was not processed (see the inbox's log)")
        return self._add("accept", False, timer, f"no Accept within {self.wait:.0f}s: {why}")

    async def _gone(self) -> None:
        timer = _Timer()
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            if await follower_store.get_follower(self.state.db, self.local.mention,
                                                 self.instance.id) is None:
                self._add("unfollow", True, timer, "the Undo removed the follower")
                return
            await asyncio.sleep(0.05)
        self._add("unfollow", False, timer, f"still a follower {self.wait:.0f}s after the Undo")

    async def _clean_up(self, follow: dict[str, Any]) -> None:
        db = self.state.db
        await follower_store.remove_follower(db, self.local.mention, self.instance.id)
        await item_store.delete_item(db, self.local.mention, follow["id"])
