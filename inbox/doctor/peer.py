"""What the inbox knows about one remote server, or one person on it, for one blog: its
followers there, the newest deliveries and their answers, the host's breaker state, the
moderation decision that applies, and when the server was last seen (``sightings``).

Plain data; ``fedipress doctor`` (``sitegen.doctor.peer``) turns it into findings and fixes.
"""

from __future__ import annotations

from typing import Any

from fedicore.handles import Handle
from inbox.handlers.apply import RemoteSender
from inbox.moderation import decide_for
from inbox.moderation.effects import guess_sender
from inbox.moderation.service import domain_suspended
from inbox.storage import doctor as store


async def peer_report(db: Any, settings: Any, mention: str, *, host: str,
                      who: Handle | None, now: float) -> dict[str, Any]:
    host = host.lower()
    followers = await store.followers_on(db, mention, host)
    if who is not None:
        followers = [f for f in followers if _is(f, who)]
    inboxes = {f["inbox"] for f in followers} | {f["shared_inbox"] for f in followers if f["shared_inbox"]}
    deliveries = await store.recent_deliveries(db, mention, host)
    if who is not None and inboxes:
        deliveries = [d for d in deliveries if d["inbox"] in inboxes]
    sender = who if who is not None else RemoteSender("someone", host)
    decision = await decide_for(db, actor=mention, sender=sender, now=now,
                                activity_type="Follow", admins=settings.admins)
    return {
        "actor": mention, "host": host, "who": str(who) if who else None, "now": now,
        "followers": followers,
        "queued": await store.queued_from(db, mention, host),
        "deliveries": deliveries,
        "counts": await store.delivery_counts(db, mention, host),
        "host_state": await store.host_state(db, host),
        "moderation": {"outcome": decision.outcome, "reason": decision.reason,
                       "rule": decision.rule, "pattern": decision.pattern,
                       "severity": decision.severity, "expires": decision.expires,
                       "suspended": await domain_suspended(db, host.split(":")[0], now=now)},
        "sightings": await store.sightings(db, mention, host),
    }


def _is(follower: dict[str, Any], who: Handle) -> bool:
    known = {follower["follower_id"]: follower["handle"]} if follower.get("handle") else {}
    guessed = guess_sender(follower["follower_id"], known)
    return guessed is not None and guessed.user.lower() == who.user.lower() \
        and guessed.domain.lower() == who.domain.lower()
