"""The author's own defaults on top of the lists: what waits for them and what does not.

Pure: ``settle`` takes the lists' outcome and plain facts and says what happens. Reactions
(Like, Announce, emoji) carry no text, so by default they are accepted without moderation.
Replies wait, unless one of the rules the author turned on in ``fedipress.toml`` applies:
they approved this person before, the person has followed for N days, or their domain is on
the author's list. A block is never softened; only ``queue`` is.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

REACTIONS = frozenset({"like", "share", "emoji"})
DAY = 86400.0


class AuthorRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What ``PUT /v1/{actor}/rules`` takes (``[replies]`` of fedipress.toml, sent by register)."""

    moderate_reactions: bool = False
    approve_known: bool = False
    approve_followers_days: int | None = None
    approve_domains: list[str] = msgspec.field(default_factory=list)
    # Consent for the public page: what ``pull`` does with a reply whose author did not
    # agree to be shown (not indexable/discoverable, or #noblog): "anonymous" or "hide".
    unconsented: str = "anonymous"
    noblog_tag: str = "noblog"


DEFAULT = AuthorRules()


def parse_rules(raw: bytes | str) -> AuthorRules:
    """Raises ``ValueError`` with the reason for a body the route must refuse."""
    try:
        rules = msgspec.json.decode(raw, type=AuthorRules)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if rules.approve_followers_days is not None and not 0 <= rules.approve_followers_days <= 36500:
        raise ValueError("approve_followers_days must be 0-36500")
    if rules.unconsented not in ("anonymous", "hide"):
        raise ValueError("unconsented must be anonymous or hide")
    rules.approve_domains = sorted({d.strip().lower().lstrip("@*.") for d in rules.approve_domains
                                    if d.strip()})
    return rules


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about the sender, read only when the lists said ``queue``."""

    domain: str
    approved_before: bool = False
    follower_since: float | None = None


@dataclass(frozen=True, slots=True)
class Settled:
    outcome: str  # allow | queue | block
    reason: str


def settle(outcome: str, kind: str, rules: AuthorRules, facts: Facts | None, *,
           now: float) -> Settled:
    if outcome != "queue":
        return Settled(outcome, "lists")
    if kind in REACTIONS:
        if rules.moderate_reactions:
            return Settled("queue", "reactions are moderated on this blog")
        return Settled("allow", "reactions need no approval")
    if kind not in ("reply", "quote") or facts is None:
        return Settled("queue", "waits for the author")
    if rules.approve_known and facts.approved_before:
        return Settled("allow", "approved before")
    if rules.approve_followers_days is not None and facts.follower_since is not None \
            and now - facts.follower_since >= rules.approve_followers_days * DAY:
        return Settled("allow", f"follower for {rules.approve_followers_days}+ days")
    domain = facts.domain.lower()
    host = domain.rsplit(":", 1)[0] if not domain.endswith("]") else domain
    if any(d in (domain, host) or host.endswith("." + d) for d in rules.approve_domains):
        return Settled("allow", "domain on the author's list")
    return Settled("queue", "waits for the author")
