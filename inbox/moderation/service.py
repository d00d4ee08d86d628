"""Moderation against the database: the decision for an incoming activity, and the actions
(block, allow, unblock, domain blocks) with their audit entries and their effects."""

from __future__ import annotations

from collections.abc import Iterable

from inbox.moderation.patterns import Sender, split_port
from inbox.moderation.policy import Decision, decide
from inbox.storage import moderation as store
from inbox.storage.db import Database


def domain_block_keys(domain: str) -> list[str]:
    """Every ``domain_blocks.domain`` value that could cover ``domain``: the host and each
    parent (a block covers subdomains), with and without a ``*.`` prefix."""
    host, _ = split_port(domain.lower().rstrip("."))
    labels = host.split(".")
    keys = []
    for i in range(len(labels)):
        parent = ".".join(labels[i:])
        keys += [parent, "*." + parent]
    return keys


async def decide_for(
    db: Database, *, actor: str, sender: Sender, now: float,
    activity_type: str | None = None, admins: Iterable[str] = (),
) -> Decision:
    """allow / block / queue for an activity from ``sender`` to local ``actor`` at ``now``.

    ``activity_type`` lets a domain's ``reject_reports`` drop Flags; ``admins`` adds the
    config file's admins to the stored global admins list."""
    lists = await store.load_lists(db, actor, config_admins=admins,
                                   domain_keys=domain_block_keys(sender.domain))
    return decide(sender, lists, now, activity_type=activity_type)
