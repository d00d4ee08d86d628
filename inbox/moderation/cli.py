"""Operator commands: ``fedipress inbox block/unblock/allow/unallow/list/audit/note`` and
``fedipress inbox blocklist import/subscribe/unsubscribe/refresh``.

They open the same SQLite file as the running server (WAL: the server keeps answering), and
each change is one transaction, so the server sees the old lists or the new ones, never half.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from fedicore.errors import ConfigError, FedipressError
from inbox.moderation import service
from inbox.moderation.blocklist_csv import BlocklistEntry
from inbox.moderation.expiry import expiry_from, iso
from inbox.moderation.patterns import parse_domain, parse_pattern
from inbox.settings import Settings, existing_database, load_settings
from inbox.storage import moderation as store
from inbox.storage.actors import get_actor
from inbox.storage.db import Database

T = TypeVar("T")
CLOCK: Callable[[], float] = time.time  # tests swap it to pin "now"


def _settings(ctx: click.Context, config: str | None) -> Settings:
    found = ctx.find_object(Settings)
    if found is not None and config is None:
        return found
    if isinstance(ctx.obj, dict) and isinstance(ctx.obj.get("settings"), Settings) and not config:
        return ctx.obj["settings"]
    return load_settings(config)


def _run(ctx: click.Context, config: str | None,
         work: Callable[[Database, Settings], Awaitable[T]], *, scope: str | None = None) -> T:
    settings = _settings(ctx, config)
    click.echo(existing_database(settings, config), err=True)

    async def main() -> T:
        db = await Database.open(settings.database)
        try:
            if scope and await get_actor(db, scope) is None:
                raise ConfigError(f"{scope} is not registered in this inbox database "
                                  f"({existing_database(settings, config).partition(' ')[2]})")
            return await work(db, settings)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except ValueError as exc:
        raise FedipressError(str(exc)) from None


def _who(by: str | None) -> str:
    return by or f"operator:{getpass.getuser()}"


def _scope(actor: str | None) -> str:
    if actor is None:
        return service.GLOBAL
    try:
        return str(parse_pattern(actor)) if "*" not in actor else _bad(actor)
    except ValueError as exc:
        raise FedipressError(f"--actor {actor!r}: {exc}") from None


def _bad(actor: str) -> str:
    raise ValueError("an actor is one @user@domain, not a pattern")


def _patterns(targets: tuple[str, ...]) -> list[Any]:
    found = []
    for target in targets:
        try:
            found.append(parse_pattern(target))
        except ValueError as exc:
            raise FedipressError(f"{target!r}: {exc}") from None
    return found


def _split_targets(targets: tuple[str, ...]) -> tuple[list[str], list[Any]]:
    """Bare domains (domain blocks) apart from @user@domain / @*@domain patterns."""
    return [t for t in targets if "@" not in t], _patterns(tuple(t for t in targets if "@" in t))


def _effects_line(change: service.Change) -> str:
    counts = change.effects.counts()
    parts = [f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v]
    return f"; {', '.join(parts)}" if parts else ""


config_option = click.option("--config", "config", type=click.Path(dir_okay=False),
                             help="inbox.toml (default: env / built-in settings).")
actor_option = click.option("--actor", help="The local actor whose own list to change "
                            "(default: the global list).")
by_option = click.option("--by", help="Who to record in the audit log (default: operator:<user>).")
reason_option = click.option("--reason", default="", help="Why, for the audit log.")
for_option = click.option("--for", "for_", metavar="DURATION", help="Expire after e.g. 7d, 12h.")
expires_option = click.option("--expires", metavar="TIME", help="Expire at an ISO 8601 time.")


def change_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """What every list change takes (expiry, audit reason and author, config), in one place."""
    for option in (click.pass_context, config_option, by_option, reason_option, expires_option,
                   for_option):
        command = option(command)
    return command


@click.command("block")
@click.argument("targets", nargs=-1)
@actor_option
@click.option("--severity", type=click.Choice(["suspend", "silence", "noop"]),
              help="Block a bare DOMAIN with this severity (default suspend).")
@click.option("--reject-reports", is_flag=True, help="Domain: drop their reports (Flag).")
@click.option("--reject-media", is_flag=True, help="Domain: recorded, as Mastodon does.")
@click.option("--from-report", metavar="ACTIVITY_ID", help="Block the sender of this queued "
              "report (needs --actor).")
@change_options
def block_command(ctx: click.Context, targets: tuple[str, ...], actor: str | None,
                  severity: str | None, reject_reports: bool, reject_media: bool,
                  from_report: str | None, for_: str | None, expires: str | None, reason: str,
                  by: str | None, config: str | None) -> None:
    """Block @user@domain / @*@domain patterns, or a bare DOMAIN (a domain block)."""
    scope = _scope(actor)
    if not targets and not from_report:
        raise FedipressError("nothing to block: give @user@domain, @*@domain or a domain")

    async def work(db: Database, settings: Settings) -> str:
        now = CLOCK()
        until = expiry_from(for_=for_, expires=expires, now=now)
        lines = []
        if from_report:
            if scope == service.GLOBAL:
                raise ValueError("--from-report needs --actor (whose queue holds the report)")
            change = await service.block_from_report(
                db, actor=scope, activity_id=from_report, who=_who(by), now=now, reason=reason,
                expires_at=until, admins=settings.admins)
            if change is None:
                raise ValueError(f"no queued item {from_report!r} for {scope}")
            lines.append(f"blocked {change.detail['blocked']}{_effects_line(change)}")
        domains, patterns = _split_targets(targets)
        if domains and scope != service.GLOBAL:
            raise ValueError("domain blocks are global; use @*@domain for one actor's list")
        for domain in domains:
            entry = BlocklistEntry(parse_domain(domain), severity or "suspend", reject_media,
                                   reject_reports, reason)
            change = await service.block_domain(db, entry, who=_who(by), now=now, reason=reason,
                                                expires_at=until, admins=settings.admins)
            lines.append(f"domain {entry.domain}: {entry.severity}{_effects_line(change)}")
        if patterns:
            change = await service.add_to_list(db, scope=scope, list_name="block",
                                               patterns=patterns, who=_who(by), now=now,
                                               reason=reason, expires_at=until,
                                               admins=settings.admins)
            lines.append(f"blocked {len(patterns)} on {scope or 'the global list'}"
                         f"{_effects_line(change)}")
        if until is not None:
            lines.append(f"expires {iso(until)}")
        return "\n".join(lines)

    click.echo(_run(ctx, config, work, scope=scope))


def _list_change(name: str, list_name: str, add: bool, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("targets", nargs=-1, required=True)
    @actor_option
    @change_options
    def command(ctx: click.Context, targets: tuple[str, ...], actor: str | None,
                for_: str | None, expires: str | None, reason: str, by: str | None,
                config: str | None) -> None:
        scope = _scope(actor)

        async def work(db: Database, settings: Settings) -> str:
            now = CLOCK()
            lines = []
            domains, patterns = _split_targets(targets)
            if domains and (add or scope != service.GLOBAL or list_name != "block"):
                raise ValueError(f"{domains[0]!r}: expected @user@domain or @*@domain")
            for domain in domains:
                change = await service.unblock_domain(db, parse_domain(domain), who=_who(by),
                                                      now=now, reason=reason,
                                                      admins=settings.admins)
                lines.append(f"domain {domain}: {'removed' if change.changed else 'not blocked'}"
                             f"{_effects_line(change)}")
            if patterns and add:
                until = expiry_from(for_=for_, expires=expires, now=now)
                change = await service.add_to_list(
                    db, scope=scope, list_name=list_name, patterns=patterns, who=_who(by),
                    now=now, reason=reason, expires_at=until, admins=settings.admins)
                lines.append(f"{name}: {len(patterns)} on {scope or 'the global list'}"
                             f"{_effects_line(change)}" + (f"; expires {iso(until)}" if until else ""))
            elif patterns:
                change = await service.remove_from_list(
                    db, scope=scope, list_name=list_name, patterns=patterns, who=_who(by),
                    now=now, reason=reason, admins=settings.admins)
                lines.append(f"{name}: {change.changed} removed from "
                             f"{scope or 'the global list'}{_effects_line(change)}")
            return "\n".join(lines)

        click.echo(_run(ctx, config, work, scope=scope))

    return command


unblock_command = _list_change("unblock", "block", False,
                               "Remove patterns (or a bare DOMAIN's domain block) from a blocklist.")
allow_command = _list_change("allow", "allow", True, "Add @user@domain / @*@domain to an allowlist.")
unallow_command = _list_change("unallow", "allow", False, "Remove patterns from an allowlist.")


def _expiry_note(expires_at: float | None, now: float) -> str:
    if expires_at is None:
        return ""
    return f"  # {'expired' if expires_at <= now else 'expires'} {iso(expires_at)}"


@click.command("list")
@click.argument("which", type=click.Choice(["blocklist", "allowlist", "admins", "domains",
                                            "subscriptions"]), default="blocklist")
@actor_option
@click.option("--all", "show_all", is_flag=True, help="Include expired entries.")
@config_option
@click.pass_context
def list_command(ctx: click.Context, which: str, actor: str | None, show_all: bool,
                 config: str | None) -> None:
    """Print a list, one entry a line (the /v1 text/plain format, with # notes)."""
    scope = _scope(actor)

    async def work(db: Database, settings: Settings) -> str:
        now = CLOCK()
        lines: list[str] = []
        if which in ("blocklist", "allowlist", "admins"):
            name = {"blocklist": "block", "allowlist": "allow", "admins": "admin"}[which]
            for entry in await store.list_entries(db, scope, name):
                if show_all or entry.expires_at is None or entry.expires_at > now:
                    lines.append(entry.pattern + _expiry_note(entry.expires_at, now))
            if which == "admins":
                lines += [f"{a}  # from config" for a in settings.admins]
        elif which == "domains":
            for row in await store.domain_block_rows(db):
                if show_all or row.expires_at is None or row.expires_at > now:
                    flags = "".join([",reject_reports" if row.reject_reports else "",
                                     ",reject_media" if row.reject_media else ""])
                    lines.append(f"{row.domain}  {row.severity}{flags}  source={row.source}"
                                 + _expiry_note(row.expires_at, now))
        else:
            for sub in await store.subscriptions(db):
                lines.append(f"{sub['url']}  every {int(sub['interval_seconds'])}s"
                             f"  next {iso(sub['next_fetch_at'])}  {sub['last_status']}")
        return "\n".join(lines)

    output = _run(ctx, config, work, scope=scope)
    if output:
        click.echo(output)


@click.command("audit")
@actor_option
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True,
              help="How many entries to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@config_option
@click.pass_context
def audit_command(ctx: click.Context, actor: str | None, limit: int, as_json: bool,
                  config: str | None) -> None:
    """The moderation audit log, newest first (every scope unless --actor)."""
    scope = None if actor is None else _scope(actor)

    async def work(db: Database, settings: Settings) -> list[dict[str, Any]]:
        return await service.audit_view(db, scope=scope, now=CLOCK(), limit=limit)

    for row in _run(ctx, config, work, scope=scope):
        if as_json:
            click.echo(json.dumps({**row, "at": iso(row["at"]),
                                   "expires_at": iso(row["expires_at"])}, sort_keys=True))
            continue
        status = ""
        if row["expires_at"] is not None:
            status = f" [{'expired' if row['expired'] else 'until'} {iso(row['expires_at'])}]"
        why = f" — {row['reason']}" if row["reason"] else ""
        click.echo(f"{iso(row['at'])} {row['scope'] or '(global)'} {row['who']} "
                   f"{row['action']} {row['target']}{status}{why}")


@click.command("note")
@click.argument("target")
@click.argument("text", required=False)
@actor_option
@by_option
@config_option
@click.pass_context
def note_command(ctx: click.Context, target: str, text: str | None, actor: str | None,
                 by: str | None, config: str | None) -> None:
    """Attach a note to a remote @user@domain or a domain; without TEXT, show the notes."""
    scope = _scope(actor)

    async def work(db: Database, settings: Settings) -> str:
        if text is not None:
            note_id = await service.add_note(db, scope=scope, target=target, author=_who(by),
                                             body=text, now=CLOCK())
            return f"note {note_id} added"
        rows = await store.notes(db, scope=scope, target=service.normalise_target(target))
        return "\n".join(f"{iso(r['created_at'])} {r['author']}: {r['body']}" for r in rows)

    output = _run(ctx, config, work, scope=scope)
    if output:
        click.echo(output)


# The blocklist commands live next door and use the helpers above.
from inbox.moderation.cli_blocklist import blocklist_group  # noqa: E402

COMMANDS: list[click.Command] = [
    block_command, unblock_command, allow_command, unallow_command, list_command,
    audit_command, note_command, blocklist_group,
]
