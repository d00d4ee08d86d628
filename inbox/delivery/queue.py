"""Putting activities on the durable queue: audiences, fan-out split, publish and backfill.

One job per activity, split into one delivery per distinct target inbox. Followers on a
server that offers a shared inbox collapse into one delivery to that shared inbox; a public
activity reaches such a server once, through that shared inbox, whatever other inboxes there
it would otherwise go to (personal inboxes delivered to before, mentioned actors).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from fedicore.vocab import PUBLIC_ALIASES, as_list, id_of
from inbox.storage import deliveries as store
from inbox.storage import outbox as outbox_store
from inbox.storage.db import Database

log = logging.getLogger("fedipress.delivery")
ResolveInbox = Callable[[str], Awaitable[str | None]]
ORDERED_TYPES = frozenset({"Create", "Update", "Delete", "Undo", "Announce", "Like"})
ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")

_wakers: list[Callable[[Database], None]] = []


def on_enqueue(callback: Callable[[Database], None]) -> Callable[[], None]:
    """Let a worker in this process hear about new jobs at once; returns the unsubscribe."""
    _wakers.append(callback)
    return lambda: _wakers.remove(callback) if callback in _wakers else None


def host_of(inbox: str) -> str | None:
    """The host (with port) deliveries to an inbox are grouped, limited and judged by."""
    try:
        parts = urlsplit(inbox)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.netloc.lower().rsplit("@", 1)[-1]


def object_key(activity: dict[str, Any]) -> str:
    """What ordering is kept for: the object of Create/Update/Delete/..., else the activity."""
    kind = activity.get("type")
    target = id_of(activity.get("object")) if kind in ORDERED_TYPES else None
    return target or id_of(activity) or f"urn:uuid:{uuid.uuid4()}"


def distinct_inboxes(inboxes: Iterable[str]) -> list[str]:
    """Inbox URLs without repeats, first occurrence kept."""
    return list(dict.fromkeys(i for i in inboxes if isinstance(i, str) and i))


def follower_targets(rows: Iterable[tuple[str, str | None]]) -> list[str]:
    """Each follower's shared inbox when it has one, else its own inbox, deduplicated."""
    return distinct_inboxes(shared or own for own, shared in rows)


def is_public(activity: dict[str, Any]) -> bool:
    addressed = [a for f in ("to", "cc") for a in as_list(activity.get(f))]
    obj = activity.get("object")
    if isinstance(obj, dict):
        addressed += [a for f in ("to", "cc") for a in as_list(obj.get(f))]
    return any(id_of(a) in PUBLIC_ALIASES for a in addressed)


def mentioned_actors(activity: dict[str, Any]) -> list[str]:
    """Actor ids the activity or its object mention (tag Mention hrefs, plus to/cc actors)."""
    obj = activity.get("object") if isinstance(activity.get("object"), dict) else {}
    found: list[str] = []
    for tag in as_list(obj.get("tag")) + as_list(activity.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Mention" and isinstance(tag.get("href"), str):
            found.append(tag["href"])
    return distinct_inboxes(found)


def one_per_server(inboxes: Iterable[str], followers: Iterable[tuple[str, str | None]]) -> list[str]:
    """For a public activity: on a host where a follower's ``(inbox, shared inbox)`` names a
    shared inbox, only that shared inbox (once); other inboxes stay as they are, in order."""
    shared_by_host: dict[str, str] = {}
    for own, shared in followers:
        if not isinstance(shared, str) or host_of(shared) is None:
            continue
        for host in (host_of(shared), host_of(own) if isinstance(own, str) else None):
            if host is not None:
                shared_by_host.setdefault(host, shared)
    chosen: list[str] = []
    for inbox in distinct_inboxes(inboxes):
        shared = shared_by_host.get(host_of(inbox) or "")
        chosen.append(shared if shared is not None else inbox)
    return distinct_inboxes(chosen)


async def follower_inboxes(db: Database, actor: str) -> list[str]:
    """The target inboxes of a local actor's followers (shared inboxes used, deduplicated)."""
    return follower_targets(await outbox_store.follower_rows(db, actor, now=time.time()))


async def enqueue(
    db: Database, *, actor: str, activity: dict[str, Any], inboxes: Iterable[str], now: float | None = None
) -> str:
    """Queue ``activity`` (from local ``actor``) for every distinct inbox; returns the job id.

    Returns once the job is durably stored; sending happens in a ``DeliveryWorker``.
    Deliveries to hosts marked unavailable are recorded as failed at once.
    """
    now = time.time() if now is None else now
    job_id = uuid.uuid4().hex
    targets = distinct_inboxes(inboxes)
    hosts = {inbox: host_of(inbox) for inbox in targets}
    down = await store.unavailable_hosts(db, [h for h in hosts.values() if h])
    rows = []
    for inbox, host in hosts.items():
        if host is None:
            rows.append(store.NewDelivery(inbox, "", store.FAILED, "not an http(s) inbox URL"))
        elif host in down:
            rows.append(store.NewDelivery(inbox, host, store.FAILED, "host unavailable"))
        else:
            rows.append(store.NewDelivery(inbox, host))
    await store.insert_job(
        db,
        job_id=job_id,
        actor=actor,
        activity_id=id_of(activity),
        type_=str(activity.get("type") or "Activity"),
        object_key=object_key(activity),
        body=json.dumps(activity, ensure_ascii=False, separators=(",", ":")),
        deliveries=rows,
        now=now,
    )
    for wake in list(_wakers):
        wake(db)
    return job_id


async def audience(
    db: Database, *, actor: str, activity: dict[str, Any], resolve_inbox: ResolveInbox | None = None
) -> list[str]:
    """Where an outbox activity goes.

    Delete: everyone who ever interacted with the actor (followers, every inbox we ever
    delivered to, and -- resolved through ``resolve_inbox`` when given -- the authors of
    replies, likes and shares). Anything else: followers plus the inboxes of mentioned
    actors, resolved through ``resolve_inbox`` when given (unresolvable ones are skipped).
    """
    rows = await outbox_store.follower_rows(db, actor, now=time.time())
    targets = follower_targets(rows)
    if activity.get("type") == "Delete":
        targets += await outbox_store.delivered_inboxes(db, actor)
        others = await outbox_store.interaction_authors(db, actor)
    else:
        others = mentioned_actors(activity)
    for actor_id in others:
        inbox = None
        if resolve_inbox is not None:
            try:
                inbox = await resolve_inbox(actor_id)
            except Exception:  # noqa: BLE001 - one unreachable actor must not stop the post
                inbox = None
        if inbox:
            targets.append(inbox)
        else:
            log.warning("no inbox found for %s: %s %s not delivered there", actor_id,
                        activity.get("type"), id_of(activity))
    if is_public(activity):
        return one_per_server(targets, rows)
    return distinct_inboxes(targets)


async def publish(
    db: Database,
    *,
    actor: str,
    activity: dict[str, Any],
    resolve_inbox: ResolveInbox | None = None,
    now: float | None = None,
) -> tuple[str, bool]:
    """Store an outbox activity and queue it to its audience: (job id, newly published).

    Publishing the same activity id twice returns the first job and queues nothing.
    """
    now = time.time() if now is None else now
    activity_id = id_of(activity) or ""
    fresh = await outbox_store.store_outbox_activity(
        db, activity_id=activity_id, actor=actor, type_=str(activity.get("type")),
        object_id=id_of(activity.get("object")), public=is_public(activity),
        body=json.dumps(activity, ensure_ascii=False, separators=(",", ":")), now=now,
    )
    if not fresh:
        existing = await outbox_store.outbox_activity(db, actor, activity_id)
        return (existing or {}).get("job_id") or "", False
    targets = await audience(db, actor=actor, activity=activity, resolve_inbox=resolve_inbox)
    job_id = await enqueue(db, actor=actor, activity=activity, inboxes=targets, now=now)
    await outbox_store.set_outbox_job(db, activity_id, job_id)
    return job_id, True


def backfill_selection(rows: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """From outbox rows (newest first): the newest ``count`` public posts still standing,
    oldest first, each a Create carrying the post's latest Update."""
    deleted: set[str] = set()
    latest: dict[str, dict[str, Any]] = {}
    chosen: list[dict[str, Any]] = []
    for row in rows:
        body = json.loads(row["body"])
        obj_id = row["object_id"]
        if row["type"] == "Delete" and obj_id:
            deleted.add(obj_id)
        elif row["type"] == "Update" and obj_id and obj_id not in latest and isinstance(body.get("object"), dict):
            latest[obj_id] = body["object"]
        elif row["type"] == "Create" and row["public"] and obj_id not in deleted and len(chosen) < count:
            if obj_id in latest:
                body = {**body, "object": latest[obj_id]}
            chosen.append(body)
    chosen.reverse()
    return chosen


async def backfill_new_follower(
    db: Database, *, actor: str, follower_inbox: str, count: int, now: float | None = None
) -> list[str]:
    """Send a new follower the blog's recent public posts, to the FOLLOWER's inbox.

    Returns the job ids, enqueued oldest post first.
    """
    if count <= 0:
        return []
    rows = await outbox_store.recent_outbox(db, actor, max(count * 10, 50))
    jobs = []
    for activity in backfill_selection(rows, count):
        jobs.append(await enqueue(db, actor=actor, activity=activity, inboxes=[follower_inbox], now=now))
    return jobs


async def mark_host_seen(db: Database, host: str) -> None:
    """Call when a host sends us anything: it is alive, so deliveries to it resume."""
    await store.mark_host_seen(db, host)
