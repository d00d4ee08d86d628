"""The moderation decision, as a pure function of the sender, the lists and the time.

Order (first match wins), the Social Inbox precedence with the operator's domain blocks around it:

0. a domain ``suspend`` → block (the operator's wall: nothing from there gets in);
1. the actor's own allowlist → allow
2. the actor's own blocklist → block
3. the global admins → allow
4. the global blocklist → block
5. the global allowlist → allow
6. otherwise → queue for the author.

Then a domain ``silence`` turns an ``allow`` into ``queue`` (their activities always wait for
the author), and a domain with ``reject_reports`` blocks ``Flag`` activities. Every entry may
carry an expiry; an entry whose expiry is at or before ``now`` no longer applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from inbox.moderation.patterns import Pattern, Sender, domain_matches

Outcome = Literal["allow", "block", "queue"]
Severity = Literal["suspend", "silence", "noop"]
SEVERITIES: tuple[str, ...] = ("suspend", "silence", "noop")

# The rule names, in precedence order; `Decision.rule` is one of these.
RULES = ("actor_allow", "actor_block", "admins", "global_block", "global_allow")
_RULE_OUTCOME: dict[str, Outcome] = {
    "actor_allow": "allow",
    "actor_block": "block",
    "admins": "allow",
    "global_block": "block",
    "global_allow": "allow",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """A list pattern with an optional expiry (epoch seconds)."""

    pattern: Pattern
    expires: float | None = None

    def active(self, now: float) -> bool:
        return self.expires is None or self.expires > now


@dataclass(frozen=True, slots=True)
class DomainBlock:
    """A Mastodon-style domain block on a host; like Mastodon's, it covers the subdomains."""

    domain: str
    severity: Severity = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    expires: float | None = None

    def active(self, now: float) -> bool:
        return self.expires is None or self.expires > now

    def covers(self, domain: str) -> bool:
        base = self.domain[2:] if self.domain.startswith("*.") else self.domain
        return domain_matches("*." + base, domain)


@dataclass(frozen=True, slots=True)
class Lists:
    """Everything the decision reads, already loaded (see ``inbox.storage.moderation``)."""

    actor_allow: tuple[Entry, ...] = ()
    actor_block: tuple[Entry, ...] = ()
    admins: tuple[Entry, ...] = ()
    global_block: tuple[Entry, ...] = ()
    global_allow: tuple[Entry, ...] = ()
    domain_blocks: tuple[DomainBlock, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one sender's activity, and why (for logs, metrics and the audit)."""

    outcome: Outcome
    reason: str
    rule: str | None = None
    pattern: str | None = None
    severity: str | None = None
    reject_reports: bool = False
    expires: float | None = field(default=None, compare=False)

    @property
    def blocked(self) -> bool:
        return self.outcome == "block"


def _first(entries: Iterable[Entry], sender: Sender, now: float) -> Entry | None:
    for entry in entries:
        if entry.active(now) and entry.pattern.matches(sender):
            return entry
    return None


def _by_domain_block(block: DomainBlock, outcome: Outcome, reason: str, rule: str) -> Decision:
    """A decision the domain block made: it names the block's domain, severity and expiry."""
    return Decision(outcome, reason, rule=rule, pattern=block.domain, severity=block.severity,
                    reject_reports=block.reject_reports, expires=block.expires)


def domain_block_for(
    blocks: Iterable[DomainBlock], domain: str, now: float
) -> DomainBlock | None:
    """The strongest active domain block covering ``domain`` (suspend > silence > noop)."""
    best: DomainBlock | None = None
    for block in blocks:
        if not (block.active(now) and block.covers(domain)):
            continue
        if best is None or SEVERITIES.index(block.severity) < SEVERITIES.index(best.severity):
            best = block
        elif block.severity == best.severity and block.reject_reports and not best.reject_reports:
            best = block
    return best


def decide(
    sender: Sender, lists: Lists, now: float, *, activity_type: str | None = None
) -> Decision:
    """Decide allow / block / queue for ``sender`` at time ``now``."""
    domain_block = domain_block_for(lists.domain_blocks, sender.domain, now)
    reject_reports = bool(domain_block and domain_block.reject_reports)
    if domain_block and domain_block.severity == "suspend":
        return _by_domain_block(domain_block, "block", f"domain {domain_block.domain} is suspended",
                                "domain_suspend")
    if activity_type == "Flag" and reject_reports:
        assert domain_block is not None
        return _by_domain_block(domain_block, "block", f"reports from {domain_block.domain} are rejected",
                                "domain_reject_reports")
    decision = Decision("queue", "no list matched", reject_reports=reject_reports)
    for rule in RULES:
        entry = _first(getattr(lists, rule), sender, now)
        if entry is not None:
            outcome = _RULE_OUTCOME[rule]
            decision = Decision(
                outcome,
                f"{rule.replace('_', ' ')} matched {entry.pattern}",
                rule=rule,
                pattern=str(entry.pattern),
                reject_reports=reject_reports,
                expires=entry.expires,
            )
            break
    if decision.outcome == "allow" and domain_block and domain_block.severity == "silence":
        return _by_domain_block(domain_block, "queue",
                                f"domain {domain_block.domain} is silenced ({decision.reason})",
                                "domain_silence")
    return decision
