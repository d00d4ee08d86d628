"""Carrying intents out: storage, moderation, the delivery queue. The thin, effectful edge.

Per-actor intents (Follow, Undo, reply, Like/Announce, Flag) are applied for each local actor
they concern; the rest (Update, Delete, Move) are keyed by their author and applied once.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from fedicore import activities as builders
from fedicore.handles import Handle
from fedicore.vocab import id_of
from inbox.delivery import backfill_new_follower, enqueue
from inbox.fetcher import FetchFailure, Fetcher, SigningKey
from inbox.handlers import Drop, LocalTarget, interpret
from inbox.handlers.create import ReplyIntent
from inbox.handlers.flag import FlagIntent
from inbox.handlers.follow import FollowIntent, follow_outcome
from inbox.handlers.move import MoveIntent, move_allowed
from inbox.handlers.reaction import ReactionIntent
from inbox.handlers.undo import UndoIntent
from inbox.handlers.update_delete import ActorChangedIntent, ActorGoneIntent, DeleteNoteIntent, UpdateNoteIntent
from inbox.moderation import decide_for
from inbox.moderation.author_service import settle_queued
from inbox.settings import Settings
from inbox.storage import actors as actor_store
from inbox.storage import followers as follower_store
from inbox.storage import items as item_store
from inbox.storage import moderation as moderation_store
from inbox.storage import webhooks as webhook_store
from inbox.storage.actors import LocalActor
from inbox.storage.activities import StoredActivity
from inbox.storage.db import Database
from inbox.webhooks import fire

log = logging.getLogger("inbox.effects")
# Applied for every local actor concerned (Undo too: an embedded Follow names its actor, and
# removals are idempotent); the others are keyed by their author and applied once.
PER_ACTOR = (FollowIntent, ReplyIntent, ReactionIntent, FlagIntent, UndoIntent)
# The webhook event of an approved item of each kind.
KIND_EVENTS = {"reply": "reply", "like": "like", "share": "announce", "follow": "follow", "flag": "report"}


@dataclass(frozen=True, slots=True)
class RemoteSender:
    """``user``/``domain`` of a remote actor for moderation, when no valid Handle can be made."""

    user: str
    domain: str


def target_of(actor: LocalActor, settings: Settings) -> LocalTarget:
    return LocalTarget(
        mention=actor.mention,
        actor_url=actor.actor_url,
        followers_url=f"{settings.base_url}/v1/{actor.mention}/followers",
        manually_approves_followers=actor.manually_approves_followers,
    )


def signing_key(actor: LocalActor) -> SigningKey:
    return SigningKey(actor.public_key_id, actor.private_key_pem)


class Effects:
    """Applies stored activities. ``process`` returns a short outcome for the activities table."""

    def __init__(self, db: Database, fetcher: Fetcher, settings: Settings, *, cache: Any = None) -> None:
        self.db = db
        self.fetcher = fetcher
        self.settings = settings
        self.cache = cache  # inbox.caches.LocalActorCache: local actors, moderation answers
        self._senders: dict[str, str] = {}  # actor URL -> handle already recorded this run
        # (actor, event) pairs with a hook, read once per processing batch (``read_hooks``);
        # None: ask the database at every event.
        self.hooks: frozenset[tuple[str, str]] | None = None

    async def read_hooks(self) -> None:
        """Snapshot which hooks are set, for the batch about to be processed."""
        self.hooks = await webhook_store.hook_names(self.db)

    async def _fire(self, *, actor: str, event: str, activity: dict[str, Any], now: float) -> None:
        if self.hooks is not None and (actor, event) not in self.hooks:
            return
        await fire(self.db, actor=actor, event=event, activity=activity, now=now)

    async def process(self, stored: StoredActivity, *, now: float) -> str:
        activity = msgspec.json.decode(stored.raw)
        activity["actor"] = id_of(activity.get("actor"))
        if stored.inbox_mention is not None:
            one = (await self.cache.get(self.db, stored.inbox_mention) if self.cache is not None
                   else await actor_store.get_actor(self.db, stored.inbox_mention))
            local = [one] if one else []
        else:  # the shared inbox: every local actor
            local = (await self.cache.all(self.db) if self.cache is not None
                     else await actor_store.all_actors(self.db))
        outcomes: list[str] = []
        global_done: set[type] = set()
        for actor in local:
            intent = interpret(activity, target_of(actor, self.settings))
            if isinstance(intent, Drop):
                outcomes.append(f"drop: {intent.reason}")
                continue
            if not isinstance(intent, PER_ACTOR):
                if type(intent) in global_done:
                    continue
                global_done.add(type(intent))
            outcomes.append(await self.apply(intent, actor, activity, stored, now=now))
        if not local:
            return "drop: no local actor"
        return "; ".join(dict.fromkeys(outcomes))[:200]

    async def apply(self, intent: object, actor: LocalActor, activity: dict[str, Any],
                    stored: StoredActivity, *, now: float) -> str:
        if isinstance(intent, FollowIntent):
            return await self._follow(intent, actor, now=now)
        if isinstance(intent, ReplyIntent):
            return await self._item(actor, activity, stored, kind="reply", author=intent.author,
                                    object_id=intent.in_reply_to, note_id=intent.note_id,
                                    content_html=intent.content_html, now=now)
        if isinstance(intent, ReactionIntent):
            return await self._item(actor, activity, stored, kind=intent.kind, author=intent.author,
                                    object_id=intent.object_id, now=now)
        if isinstance(intent, FlagIntent):
            await item_store.put_item(self.db, item_store.Item(
                actor.mention, stored.id, "flag", intent.author, intent.objects[0], None,
                html.escape(intent.comment), stored.raw, "queued", now))
            await self._fire(actor=actor.mention, event="report", activity=activity, now=now)
            return "flag queued"
        if isinstance(intent, UndoIntent):
            removed = await item_store.delete_by_activity_and_author(self.db, intent.undone_id, intent.author)
            unfollowed = set(await follower_store.followed_by(self.db, intent.author, intent.undone_id))
            removed += await follower_store.remove_follower_everywhere(self.db, intent.author, intent.undone_id)
            if intent.unfollow and await follower_store.remove_follower(self.db, actor.mention, intent.author):
                unfollowed.add(actor.mention)
                removed += 1
            for mention in sorted(unfollowed):
                await self._fire(actor=mention, event="unfollow", activity=activity, now=now)
            return f"undo removed {removed}"
        if isinstance(intent, DeleteNoteIntent):
            owners = await item_store.reply_owners(self.db, intent.note_id, intent.author)
            removed = await item_store.delete_reply_by_note(self.db, intent.note_id, intent.author)
            for mention in owners:
                await self._fire(actor=mention, event="delete", activity=activity, now=now)
            return f"delete removed {removed}"
        if isinstance(intent, UpdateNoteIntent):
            changed = await item_store.update_reply_by_note(
                self.db, intent.note_id, intent.author, intent.content_html,
                msgspec.json.encode(intent.note), now=now)
            for mention in await item_store.reply_owners(self.db, intent.note_id, intent.author):
                await self._fire(actor=mention, event="reply", activity=activity, now=now)
            return f"update changed {changed}"
        if isinstance(intent, ActorGoneIntent):
            removed = await item_store.delete_by_author(self.db, intent.actor)
            removed += await follower_store.remove_follower_everywhere(self.db, intent.actor, None)
            self.fetcher.forget(intent.actor)
            return f"actor gone, removed {removed}"
        if isinstance(intent, ActorChangedIntent):
            self.fetcher.forget(intent.actor)
            return "actor updated"
        if isinstance(intent, MoveIntent):
            return await self._move(intent, actor)
        return "ignored"

    async def sender_of(self, actor_url: str, local: LocalActor, *, now: float) -> tuple[Any, dict[str, Any] | None]:
        """The remote actor's handle (for moderation) and document (for its inboxes).

        A handle read from the document is recorded (actor URL → ``@user@host``), so a later
        block of ``@user@host`` finds this actor's followers and items even when the URL's last
        segment is not the username."""
        document = await self.fetcher.fetch_document(actor_url, signer=signing_key(local))
        host = urlsplit(actor_url).netloc.lower()
        doc = document if isinstance(document, dict) else None
        user = (doc or {}).get("preferredUsername")
        if not isinstance(user, str) or not user:
            user = urlsplit(actor_url).path.rstrip("/").rpartition("/")[2] or "unknown"
            return _sender(user, host), doc
        sender = _sender(user, host)
        if isinstance(sender, Handle):
            await self._remember(actor_url, str(sender), now=now)
        return sender, doc

    async def _remember(self, actor_url: str, handle: str, *, now: float) -> None:
        if self._senders.get(actor_url) == handle:
            return
        await moderation_store.remember_sender(self.db, actor_url, handle, now=now)
        if len(self._senders) > 50_000:
            self._senders.clear()
        self._senders[actor_url] = handle

    async def moderation(self, actor: LocalActor, sender: Any, activity_type: str, *, now: float) -> str:
        if self.cache is not None:
            return await self.cache.decision(self.db, self.settings, actor.mention, sender, activity_type, now)
        decision = await decide_for(self.db, actor=actor.mention, sender=sender, now=now,
                                    activity_type=activity_type, admins=self.settings.admins)
        return decision.outcome

    async def _follow(self, intent: FollowIntent, actor: LocalActor, *, now: float) -> str:
        sender, document = await self.sender_of(intent.follower, actor, now=now)
        outcome = follow_outcome(await self.moderation(actor, sender, "Follow", now=now),
                                 manually_approves=actor.manually_approves_followers)
        if document is None:
            return "follow: follower document unavailable"
        inbox, shared = inboxes_of(document)
        if not inbox:
            return "follow: follower has no inbox"
        if outcome == "reject":
            await enqueue(self.db, actor=actor.mention, activity=builders.reject(actor.actor_url, intent.follow),
                          inboxes=[inbox], now=now)
            await follower_store.remove_follower(self.db, actor.mention, intent.follower)
            return "follow rejected"
        if outcome == "queue":
            already = await follower_store.get_follower(self.db, actor.mention, intent.follower)
            if already is None:
                await item_store.put_item(self.db, item_store.Item(
                    actor.mention, intent.follow["id"], "follow", intent.follower, actor.actor_url, None,
                    None, msgspec.json.encode(intent.follow), "queued", now))
                await self._fire(actor=actor.mention, event="moderationqueued", activity=intent.follow, now=now)
                return "follow queued"
        await accept_follow(self.db, actor, intent.follow, inbox, shared, now=now,
                            backfill=self.settings.backfill_count)
        await self._fire(actor=actor.mention, event="follow", activity=intent.follow, now=now)
        return "follow accepted"

    async def _item(self, actor: LocalActor, activity: dict[str, Any], stored: StoredActivity, *,
                    kind: str, author: str, object_id: str, now: float,
                    note_id: str | None = None, content_html: str | None = None) -> str:
        sender, _ = await self.sender_of(author, actor, now=now)
        outcome = await self.moderation(actor, sender, activity["type"], now=now)
        if outcome == "queue":  # the author's defaults and rules (docs/moderation.md)
            outcome = (await settle_queued(self.db, actor_mention=actor.mention, kind=kind,
                                           author=author, sender=sender, now=now)).outcome
        if outcome == "block":
            return f"{kind} blocked"
        state = "approved" if outcome == "allow" else "queued"
        item = item_store.Item(actor.mention, stored.id, kind, author, object_id, note_id,
                               content_html, stored.raw, state, now)
        if note_id is not None:  # a reply: its Note id must not be someone else's
            new = await item_store.put_reply(self.db, item)
            if new is None:
                return "drop: note id belongs to another actor"
        else:
            new = await item_store.put_item(self.db, item)
        if new:
            event = KIND_EVENTS[kind] if state == "approved" else "moderationqueued"
            await self._fire(actor=actor.mention, event=event, activity=activity, now=now)
        return f"{kind} {state}"

    async def _move(self, intent: MoveIntent, actor: LocalActor) -> str:
        if await follower_store.get_follower(self.db, actor.mention, intent.origin) is None:
            return "move: not a follower"
        target = await self.fetcher.fetch_document(intent.target, signer=signing_key(actor), refresh=True)
        if isinstance(target, FetchFailure):
            return f"move: target unavailable ({target.reason})"
        if not move_allowed(intent.origin, target):
            return "move: target does not list the origin in alsoKnownAs"
        inbox, shared = inboxes_of(target)
        if not inbox:
            return "move: target has no inbox"
        moved = await follower_store.move_follower(self.db, intent.origin, intent.target, inbox, shared)
        return f"moved {moved} follows"


def _sender(user: str, host: str) -> Handle | RemoteSender:
    try:
        return Handle(user, host)
    except ValueError:
        return RemoteSender(user, host)


def inboxes_of(document: dict[str, Any]) -> tuple[str | None, str | None]:
    inbox = document.get("inbox")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    return (inbox if isinstance(inbox, str) else None, shared if isinstance(shared, str) else None)


async def accept_follow(db: Database, actor: LocalActor, follow: dict[str, Any], inbox: str,
                        shared: str | None, *, now: float, backfill: int = 0) -> None:
    """Store the follower and queue the signed Accept (again, for a repeated Follow); a new
    follower also gets the ``backfill`` most recent posts, at its own inbox."""
    is_new = await follower_store.get_follower(db, actor.mention, follow["actor"]) is None
    await follower_store.add_follower(db, follower_store.Follower(
        actor.mention, follow["actor"], inbox, shared, follow["id"], now))
    await enqueue(db, actor=actor.mention, activity=builders.accept(actor.actor_url, follow),
                  inboxes=[inbox], now=now)
    if is_new and backfill > 0:
        await backfill_new_follower(db, actor=actor.mention, follower_inbox=inbox, count=backfill, now=now)


async def reject_follow(db: Database, actor: LocalActor, follow: dict[str, Any], inbox: str,
                        *, now: float) -> None:
    await enqueue(db, actor=actor.mention, activity=builders.reject(actor.actor_url, follow),
                  inboxes=[inbox], now=now)
