"""``fedipress inbox blocklist import/subscribe/unsubscribe/refresh``: Mastodon-format domain
blocklists (CSV) from a file or a URL, once or on a schedule."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from fedicore.errors import FedipressError
from inbox.moderation import cli as base
from inbox.moderation import service
from inbox.moderation.blocklist_csv import parse_blocklist
from inbox.moderation.blocklist_fetch import (
    FetchError, fetch_text, refresh_due, refresh_subscription,
)
from inbox.moderation.expiry import parse_duration
from inbox.moderation.cli import _effects_line, _run, _settings, _who, by_option, config_option
from inbox.settings import Settings
from inbox.storage import moderation as store
from inbox.storage.db import Database


@click.group("blocklist")
def blocklist_group() -> None:
    """Mastodon-format domain blocklists (CSV): import once, or subscribe to a URL."""


def _load_list_text(source: str, settings: Settings) -> tuple[str, str]:
    """(label, CSV text) of a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        try:
            return source, asyncio.run(fetch_text(source, allow_private=settings.allow_private_fetch))
        except FetchError as exc:
            raise FedipressError(str(exc)) from None
    path = Path(source)
    try:
        return f"file:{path.resolve()}", path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FedipressError(f"cannot read {source}: {exc}") from None


@blocklist_group.command("import")
@click.argument("source", metavar="FILE|URL")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@by_option
@config_option
@click.pass_context
def import_command(ctx: click.Context, source: str, dry_run: bool, by: str | None,
                   config: str | None) -> None:
    """Import a domain blocklist; a later import of the same FILE|URL updates and removes its
    rows. The operator's own domain blocks are never changed."""
    settings = _settings(ctx, config)
    label, text = _load_list_text(source, settings)
    try:
        parsed = parse_blocklist(text)
    except ValueError as exc:
        raise FedipressError(str(exc), path=source) from None

    async def work(db: Database, settings: Settings) -> str:
        diff, change = await service.import_blocklist(
            db, parsed.entries, source=label, who=_who(by), now=base.CLOCK(), dry_run=dry_run,
            admins=settings.admins)
        lines = [f"{'would change' if dry_run else 'imported'} {label}: "
                 + ", ".join(f"{k} {v}" for k, v in diff.counts().items())
                 + _effects_line(change)]
        if dry_run:
            lines += [f"+ {e.domain} {e.severity}" for e in diff.added]
            lines += [f"~ {e.domain} {e.severity}" for e in diff.updated]
            lines += [f"- {d}" for d in diff.removed]
        lines += [f"skipped {problem}" for problem in parsed.skipped]
        return "\n".join(lines)

    click.echo(_run(ctx, config, work))


@blocklist_group.command("subscribe")
@click.argument("url")
@click.option("--every", default="24h", show_default=True, help="How often to refresh.")
@config_option
@click.pass_context
def subscribe_command(ctx: click.Context, url: str, every: str, config: str | None) -> None:
    """Subscribe to a blocklist URL: fetched now, then refreshed by the server on schedule."""
    if not url.startswith(("http://", "https://")):
        raise FedipressError(f"{url!r} is not an http(s) URL")
    try:
        interval = parse_duration(every)
    except ValueError as exc:
        raise FedipressError(f"--every: {exc}") from None

    async def work(db: Database, settings: Settings) -> str:
        now = base.CLOCK()
        await store.put_subscription(db, url, interval=interval, now=now)
        await store.add_audit(db, scope=service.GLOBAL, who=_who(None), action="subscribe",
                              target=url, now=now, detail={"interval": interval})
        result = await refresh_subscription(db, url, now=now,
                                            allow_private=settings.allow_private_fetch)
        if result.error:
            return f"subscribed to {url}; first fetch failed: {result.error}"
        counts = ", ".join(f"{k} {v}" for k, v in result.diff.counts().items())  # type: ignore[union-attr]
        return f"subscribed to {url}: {counts}"

    click.echo(_run(ctx, config, work))


@blocklist_group.command("unsubscribe")
@click.argument("url")
@click.option("--keep", is_flag=True, help="Keep the domain blocks it brought.")
@config_option
@click.pass_context
def unsubscribe_command(ctx: click.Context, url: str, keep: bool, config: str | None) -> None:
    """Stop refreshing URL; its domain blocks go too unless --keep."""

    async def work(db: Database, settings: Settings) -> str:
        now = base.CLOCK()
        if not await store.delete_subscription(db, url):
            raise ValueError(f"not subscribed to {url}")
        if keep:
            return f"unsubscribed from {url}; its domain blocks stay"
        diff, _ = await service.import_blocklist(db, [], source=url, who=_who(None), now=now,
                                                 admins=settings.admins)
        return f"unsubscribed from {url}; removed {len(diff.removed)} domain blocks"

    click.echo(_run(ctx, config, work))


@blocklist_group.command("refresh")
@config_option
@click.pass_context
def refresh_command(ctx: click.Context, config: str | None) -> None:
    """Refresh every subscription that is due now (the server does this every minute)."""

    async def work(db: Database, settings: Settings) -> list[Any]:
        return await refresh_due(db, now=base.CLOCK(), allow_private=settings.allow_private_fetch)

    for result in _run(ctx, config, work):
        if result.error:
            click.echo(f"{result.url}: error: {result.error}")
        else:
            click.echo(f"{result.url}: " + ", ".join(
                f"{k} {v}" for k, v in result.diff.counts().items()))
