"""Carrying intents out: storage, moderation, the delivery queue. The thin, effectful edge.

Per-actor intents (Follow, Undo, reply, Like/Announce, Flag, Move) are applied for each local
actor they concern; the rest (Update, Delete) are keyed by their author and applied once.
"""

from __future__ import annotations


import html
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from fedicore import activities as builders
from fedicore import quotes
from fedicore.handles import Handle
from fedicore.vocab import id_of
from inbox.delivery import backfill_new_follower, enqueue
from inbox.fetcher import FetchFailure, Fetcher, SigningKey
from inbox.handlers import Drop, LocalTarget, interpret
from inbox.handlers.bounded import bounded_activity
from inbox.handlers.common import origin, same_origin, visibility_of
from inbox.handlers.create import ReplyIntent
from inbox.handlers.flag import FlagIntent
from inbox.handlers.follow import FollowIntent, follow_outcome
from inbox.handlers.move import MoveIntent, move_allowed
from inbox.handlers.quote import QuoteRequestIntent
from inbox.handlers.reaction import ReactionIntent
from inbox.handlers.thread import ThreadReplyIntent, find_thread_root
from inbox.handlers.undo import UndoIntent
from inbox.identity import name_confirmed
from inbox.handlers.update_delete import ActorChangedIntent, ActorGoneIntent, DeleteNoteIntent, UpdateNoteIntent
from inbox.moderation import decide_for
from inbox.moderation.author_service import settle_queued
from inbox.settings import Settings
from inbox.storage import actors as actor_store
from inbox.storage import followers as follower_store
from inbox.storage import items as item_store
from inbox.storage import moderation as moderation_store
from inbox.storage import moves as move_store
from inbox.storage import webhooks as webhook_store
from inbox.storage.actors import LocalActor
from inbox.storage.activities import StoredActivity
from inbox.storage.db import Database
from inbox.webhooks import fire

log = logging.getLogger("inbox.effects")
# Applied for every local actor concerned (Undo too: an embedded Follow names its actor, and
# removals are idempotent); the others are keyed by their author and applied once.
# A Move is per actor: each blog's follow moves only after that blog's own checks.
PER_ACTOR = (FollowIntent, ReplyIntent, ThreadReplyIntent, ReactionIntent, FlagIntent, UndoIntent,
             QuoteRequestIntent, MoveIntent)
# Intents that only ever add items (a burst of replies or likes): a full queue stays full.
ADDS_ITEMS_ONLY = (ReplyIntent, ThreadReplyIntent, ReactionIntent, FlagIntent)
# The webhook event of an approved item of each kind.
# Emoji reactions fire ``like`` and quotes ``announce``: the same rebuild, no new hook names.
KIND_EVENTS = {"reply": "reply", "like": "like", "share": "announce", "follow": "follow", "flag": "report",
               "emoji": "like", "quote": "announce"}


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
        # (local actor, follower host) -> new followers being accepted right now: counted with
        # the stored ones, so Follows applied side by side cannot all pass the per-host limit.
        self._accepting: dict[tuple[str, str], int] = {}
        # ("host" or "author", local actor, sender's host prefix or sender) found at its queue
        # cap in this batch: a burst from one host asks the count once a batch, not once an
        # item. Forgotten at the next batch and when an activity that may remove items (an
        # Undo, a Delete) starts and ends; a count that such an activity overlapped is not kept.
        self._full_queues: set[tuple[str, str, str]] = set()
        self._removals = 0

    async def read_hooks(self) -> None:
        """Snapshot which hooks are set, for the batch about to be processed (and forget which
        queues were full: the owner may have approved or rejected items since)."""
        self._forget_full_queues()
        self.hooks = await webhook_store.hook_names(self.db)

    def _forget_full_queues(self) -> None:
        self._full_queues.clear()
        self._removals += 1

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
        if isinstance(intent, ADDS_ITEMS_ONLY):
            return await self._apply(intent, actor, activity, stored, now=now)
        self._forget_full_queues()  # it may remove queued items: counted afresh, after it too
        try:
            return await self._apply(intent, actor, activity, stored, now=now)
        finally:
            self._forget_full_queues()

    async def _apply(self, intent: object, actor: LocalActor, activity: dict[str, Any],
                     stored: StoredActivity, *, now: float) -> str:
        if isinstance(intent, FollowIntent):
            return await self._follow(intent, actor, now=now)
        if isinstance(intent, ReplyIntent):
            return await self._item(actor, activity, stored, kind="reply", author=intent.author,
                                    object_id=intent.in_reply_to, note_id=intent.note_id,
                                    content_html=intent.content_html, now=now,
                                    visibility=visibility_of(intent.note, activity))
        if isinstance(intent, ThreadReplyIntent):
            return await self._thread_reply(intent, actor, activity, stored, now=now)
        if isinstance(intent, QuoteRequestIntent):
            return await self._quote_request(intent, actor, stored, now=now)
        if isinstance(intent, ReactionIntent):
            return await self._item(actor, activity, stored, kind=intent.kind, author=intent.author,
                                    object_id=intent.object_id, now=now,
                                    content_html=intent.emoji.name if intent.emoji else None)
        if isinstance(intent, FlagIntent):
            if await self._queue_full(actor, intent.author):
                return "drop: queue full for this sender"
            await item_store.put_item(self.db, item_store.Item(
                actor.mention, stored.id, "flag", intent.author, intent.objects[0], None,
                html.escape(intent.comment), _bounded(activity), "queued", now))
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
            removed += await item_store.delete_quote_by_note(self.db, intent.note_id, intent.author)
            for mention in owners:
                await self._fire(actor=mention, event="delete", activity=activity, now=now)
            return f"delete removed {removed}"
        if isinstance(intent, UpdateNoteIntent):
            return await self._edit(intent, activity, stored, now=now)
        if isinstance(intent, ActorGoneIntent):
            removed = await item_store.delete_by_author(self.db, intent.actor)
            removed += await follower_store.remove_follower_everywhere(self.db, intent.actor, None)
            self.fetcher.forget(intent.actor)
            return f"actor gone, removed {removed}"
        if isinstance(intent, ActorChangedIntent):
            self.fetcher.forget(intent.actor)
            return "actor updated"
        if isinstance(intent, MoveIntent):
            return await self._move(intent, actor, now=now)
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

    async def moderation(self, actor: LocalActor, sender: Any, activity_type: str, *, now: float,
                         actor_url: str | None = None) -> str:
        """allow / queue / block; an allow earned by a name holds only once WebFinger on the
        sender's host confirms the name is this ``actor_url`` (otherwise: queue)."""
        if self.cache is not None:
            outcome = await self.cache.decision(self.db, self.settings, actor.mention, sender, activity_type, now)
        else:
            outcome = (await decide_for(self.db, actor=actor.mention, sender=sender, now=now,
                                        activity_type=activity_type, admins=self.settings.admins)).outcome
        if outcome == "allow" and actor_url and isinstance(sender, Handle) \
                and not await name_confirmed(self.fetcher, sender, actor_url):
            return "queue"
        return outcome

    async def _follow(self, intent: FollowIntent, actor: LocalActor, *, now: float) -> str:
        sender, document = await self.sender_of(intent.follower, actor, now=now)
        outcome = follow_outcome(await self.moderation(actor, sender, "Follow", now=now, actor_url=intent.follower),
                                 manually_approves=actor.manually_approves_followers)
        if document is None:
            return "follow: follower document unavailable"
        inbox, shared = own_inboxes(intent.follower, document)
        if not inbox:
            return "drop: follower has no inbox on its own host"
        flood_key = (actor.mention, (origin(intent.follower) or intent.follower) + "/")
        if outcome == "accept" and await self._host_flooding(actor, intent.follower, now=now):
            outcome = "queue"  # more new followers from one host than usual: the author decides
        if outcome == "accept":  # no await since the count: this reservation is atomic with it
            self._accepting[flood_key] = self._accepting.get(flood_key, 0) + 1
            return await self._accept(intent, actor, inbox, shared, now=now, reserved=flood_key)
        if outcome == "reject":
            await enqueue(self.db, actor=actor.mention, activity=builders.reject(actor.actor_url, intent.follow),
                          inboxes=[inbox], now=now)
            await follower_store.remove_follower(self.db, actor.mention, intent.follower)
            return "follow rejected"
        if outcome == "queue":
            already = await follower_store.get_follower(self.db, actor.mention, intent.follower)
            if already is None:
                if await self._queue_full(actor, intent.follower):
                    return "drop: queue full for this sender"
                await item_store.put_item(self.db, item_store.Item(
                    actor.mention, intent.follow["id"], "follow", intent.follower, actor.actor_url, None,
                    None, _bounded(intent.follow), "queued", now))
                await self._fire(actor=actor.mention, event="moderationqueued", activity=intent.follow, now=now)
                return "follow queued"
        return await self._accept(intent, actor, inbox, shared, now=now)

    async def _accept(self, intent: FollowIntent, actor: LocalActor, inbox: str, shared: str | None,
                      *, now: float, reserved: tuple[str, str] | None = None) -> str:
        try:
            await accept_follow(self.db, actor, intent.follow, inbox, shared, now=now,
                                backfill=self.settings.backfill_count)
        finally:
            if reserved is not None:  # stored now (or failed): the count no longer needs it
                left = self._accepting.pop(reserved) - 1
                if left:
                    self._accepting[reserved] = left
        await self._fire(actor=actor.mention, event="follow", activity=intent.follow, now=now)
        return "follow accepted"

    async def _item(self, actor: LocalActor, activity: dict[str, Any], stored: StoredActivity, *,
                    kind: str, author: str, object_id: str, now: float,
                    note_id: str | None = None, content_html: str | None = None,
                    visibility: str = "public") -> str:
        sender, _ = await self.sender_of(author, actor, now=now)
        outcome = await self.moderation(actor, sender, activity["type"], now=now, actor_url=author)
        if outcome == "queue":  # the author's defaults and rules (docs/moderation.md)
            outcome = (await settle_queued(self.db, actor_mention=actor.mention, kind=kind,
                                           author=author, sender=sender, now=now)).outcome
        if outcome == "block":
            return f"{kind} blocked"
        if kind in ("like", "share") and not await self._blog_has(actor, object_id):
            return f"drop: {kind} of a post the blog does not have"
        state = "approved" if outcome == "allow" else "queued"
        if state == "queued" and await self._queue_full(actor, author):
            return "drop: queue full for this sender"
        item = item_store.Item(actor.mention, stored.id, kind, author, object_id, note_id,
                               content_html, _bounded(activity, content_html), state, now, visibility)
        if note_id is not None:  # a reply: its Note id must not be someone else's
            new = await item_store.put_reply(self.db, item)
            if new is None and await self._note_is_by(actor, note_id, author):
                # Someone on the same host claimed this id first; the id's own host says it
                # is this author's: the earlier claim was a squat and goes.
                await item_store.delete_reply_claims(self.db, note_id, author)
                self._forget_full_queues()
                new = await item_store.put_reply(self.db, item)
            if new is None:
                return "drop: note id belongs to another actor"
        else:
            new = await item_store.put_item(self.db, item)
        if new:
            event = KIND_EVENTS[kind] if state == "approved" else "moderationqueued"
            await self._fire(actor=actor.mention, event=event, activity=activity, now=now)
        return f"{kind} {state}"

    async def _thread_reply(self, intent: ThreadReplyIntent, actor: LocalActor, activity: dict[str, Any],
                            stored: StoredActivity, *, now: float) -> str:
        """File a reply to a reply under the post its thread started from (or the fallback)."""
        async def filed_under(note_id: str) -> str | None:
            target = await item_store.reply_filed_under(self.db, actor.mention, note_id)
            return target if target != actor.actor_url else None

        async def fetch(url: str) -> dict[str, Any] | None:
            document = await self.fetcher.fetch_document(url, signer=signing_key(actor))
            return document if isinstance(document, dict) else None

        root = await find_thread_root(intent.parent, target_of(actor, self.settings),
                                      filed_under=filed_under, fetch=fetch)
        target = root or intent.fallback
        if target is None:
            return "drop: not in a thread under one of the blog's posts"
        return await self._item(actor, activity, stored, kind="reply", author=intent.author,
                                object_id=target, note_id=intent.note_id,
                                content_html=intent.content_html, now=now,
                                visibility=visibility_of(intent.note, activity))

    async def _quote_request(self, intent: QuoteRequestIntent, actor: LocalActor, stored: StoredActivity,
                             *, now: float) -> str:
        """Answer a QuoteRequest from the post's published policy: Accept with the stamp's URL
        (the quote then counts like a boost) or Reject. Moderation only refuses (a blocked
        sender); the author's policy is what allows."""
        sender, document = await self.sender_of(intent.author, actor, now=now)
        inbox, _shared = inboxes_of(document) if document else (None, None)
        if not inbox:
            return "quote: requester has no inbox"
        post = await self.fetcher.fetch_document(intent.target, signer=signing_key(actor))
        if isinstance(post, FetchFailure):
            return f"quote: post unavailable ({post.reason})"
        blocked = await self.moderation(actor, sender, "QuoteRequest", now=now) == "block"
        is_follower = await follower_store.get_follower(self.db, actor.mention, intent.author) is not None
        allowed = not blocked and quotes.quote_allowed(
            post, intent.author, followers=target_of(actor, self.settings).followers_url,
            is_follower=is_follower)
        answer = quotes.answer_quote_request("Accept" if allowed else "Reject", actor.actor_url,
                                             intent.request, instrument=intent.instrument,
                                             target=intent.target)
        await enqueue(self.db, actor=actor.mention, activity=answer, inboxes=[inbox], now=now)
        if not allowed:
            return "quote rejected"
        new = await item_store.put_item(self.db, item_store.Item(
            actor.mention, stored.id, "quote", intent.author, intent.target, intent.instrument,
            None, stored.raw, "approved", now))
        if new:
            await self._fire(actor=actor.mention, event=KIND_EVENTS["quote"], activity=intent.request, now=now)
        return "quote accepted"

    async def _edit(self, intent: UpdateNoteIntent, activity: dict[str, Any], stored: StoredActivity, *,
                    now: float) -> str:
        """An edited reply is moderated again: the approved version stays shown until the edit
        is approved (at once when moderation allows its author); the Update is stored whole,
        so the note keeps its id and author, and replaced versions go to the history."""
        versions = await item_store.replies_by_note(self.db, intent.note_id, intent.author)
        outcomes = []
        for mention in dict.fromkeys(version.actor_mention for version in versions):
            local = (await self.cache.get(self.db, mention) if self.cache is not None
                     else await actor_store.get_actor(self.db, mention))
            if local is None:
                continue
            held = [version for version in versions if version.actor_mention == mention]
            sender, _ = await self.sender_of(intent.author, local, now=now)
            decision = await self.moderation(local, sender, "Update", now=now, actor_url=intent.author)
            if decision == "block":
                outcomes.append("edit blocked")
                continue
            state = "approved" if decision == "allow" and all(v.state == "approved" for v in held) else "queued"
            if state == "queued" and not any(v.state == "queued" for v in held) \
                    and await self._queue_full(local, intent.author):
                outcomes.append("drop: queue full for this sender")
                continue
            edit = item_store.Item(mention, stored.id, "reply", intent.author, held[-1].object_id,
                                   intent.note_id, intent.content_html,
                                   _bounded(activity, intent.content_html), state, now,
                                   visibility_of(intent.note, activity))
            if await item_store.put_edit(self.db, edit):
                await self._fire(actor=mention, event="reply" if state == "approved" else "moderationqueued",
                                 activity=activity, now=now)
            outcomes.append(f"edit {state}")
        return "; ".join(dict.fromkeys(outcomes)) or "update: no such reply"

    async def _blog_has(self, actor: LocalActor, object_id: str) -> bool:
        """Is ``object_id`` one of this blog's posts? Asked of the blog itself (cached, failures
        too), so a Like of a made-up URL on the blog's host leaves nothing behind."""
        document = await self.fetcher.fetch_document(object_id, signer=signing_key(actor))
        return isinstance(document, dict) and id_of(document.get("attributedTo")) == actor.actor_url

    async def _note_is_by(self, actor: LocalActor, note_id: str, author: str) -> bool:
        """Does the note's own URL (fetched afresh) say ``author`` wrote it?"""
        document = await self.fetcher.fetch_document(note_id, signer=signing_key(actor), refresh=True)
        return isinstance(document, dict) and id_of(document.get("attributedTo")) == author

    async def _host_flooding(self, actor: LocalActor, follower: str, *, now: float) -> bool:
        """Has ``follower``'s host brought ``new_followers_per_host_per_hour`` new followers in
        the last hour? (A repeated Follow of a follower is never held.)"""
        if await follower_store.get_follower(self.db, actor.mention, follower) is not None:
            return False
        host = (origin(follower) or follower) + "/"
        recent = await follower_store.recent_from_host(self.db, actor.mention, host, since=now - 3600)
        accepting = self._accepting.get((actor.mention, host), 0)
        return recent + accepting >= self.settings.new_followers_per_host_per_hour

    async def _queue_full(self, actor: LocalActor, author: str) -> bool:
        """Has this sender (or its host) as many queued items here as it may hold?"""
        host = (origin(author) or author) + "/"
        full = self._full_queues
        if ("host", actor.mention, host) in full or ("author", actor.mention, author) in full:
            return True
        removals = self._removals
        by_author, by_host = await item_store.queued_from(self.db, actor.mention, author, host)
        if removals == self._removals:  # nothing removed meanwhile: worth remembering
            if by_host >= self.settings.max_queued_per_host:
                full.add(("host", actor.mention, host))
            if by_author >= self.settings.max_queued_per_actor:
                full.add(("author", actor.mention, author))
        return (by_author >= self.settings.max_queued_per_actor
                or by_host >= self.settings.max_queued_per_host)

    async def _move(self, intent: MoveIntent, actor: LocalActor, *, now: float) -> str:
        if await follower_store.get_follower(self.db, actor.mention, intent.origin) is None:
            return "move: not a follower"
        target = await self.fetcher.fetch_document(intent.target, signer=signing_key(actor), refresh=True)
        if isinstance(target, FetchFailure):
            return f"move: target unavailable ({target.reason})"
        if not move_allowed(intent.origin, target):
            return "move: target does not list the origin in alsoKnownAs"
        inbox, shared = own_inboxes(intent.target, target)
        if not inbox:
            return "move: target has no inbox on its own host"
        # The target becomes a follower only as a Follow from it would: a blocked target, one
        # on a suspended domain, or any target of a blog approving followers by hand is not
        # moved in (it can send its own Follow, moderated as usual).
        sender, _ = await self.sender_of(intent.target, actor, now=now)
        outcome = follow_outcome(await self.moderation(actor, sender, "Follow", now=now, actor_url=intent.target),
                                 manually_approves=actor.manually_approves_followers)
        if outcome != "accept":
            return f"move: target not moved in ({outcome} as a follower)"
        moved = await move_store.move_follow(self.db, actor.mention, intent.origin, intent.target,
                                             inbox, shared)
        return f"moved {moved} follows"


def _bounded(activity: dict[str, Any], content_html: str | None = None) -> bytes:
    return msgspec.json.encode(bounded_activity(activity, content_html=content_html))


def _sender(user: str, host: str) -> Handle | RemoteSender:
    try:
        return Handle(user, host)
    except ValueError:
        return RemoteSender(user, host)


def own_inboxes(actor_id: str, document: dict[str, Any]) -> tuple[str | None, str | None]:
    """The actor's inbox and shared inbox, only where they are on the actor's own host: an
    actor whose inbox names a third party would make us send Accepts and posts there."""
    inbox, shared = inboxes_of(document)
    return (inbox if same_origin(inbox, actor_id) else None,
            shared if same_origin(shared, actor_id) else None)


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
