"""``fedipress inbox announcements list|approve ID|reject ID|stop BLOG|resume BLOG``: the
operator's side of the announcements actor, straight in the server's database (the server's
delivery worker sends what an approval queues)."""

from __future__ import annotations

import asyncio
import getpass
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from fedicore.handles import Handle
from inbox.announcements.announcer import AnnouncementRefused, Announcer
from inbox.settings import existing_database, load_settings

T = TypeVar("T")
config_option = click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                             help="inbox.toml (FEDIPRESS_* environment variables override it)")


def _run(config: str | None, work: Callable[[Announcer], Awaitable[T]]) -> T:
    from inbox.storage.db import Database

    settings = load_settings(config)
    click.echo(existing_database(settings, config), err=True)
    if not settings.announcements:
        click.echo("note: the announcements actor is off (announcements = false): nothing is sent",
                   err=True)

    async def main() -> T:
        db = await Database.open(settings.database)
        try:
            return await work(Announcer(db, settings, clock=time.time))
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except AnnouncementRefused as exc:
        raise click.ClickException(str(exc)) from None


def _who() -> str:
    return f"operator:{getpass.getuser()}"


def _blog(text: str) -> str:
    try:
        return str(Handle.parse(text))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="BLOG") from None


@click.group("announcements")
def announcements_group() -> None:
    """The announcements actor (@announcements@<inbox host>): review what it will say."""


@announcements_group.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of lines")
def list_command(config: str | None, as_json: bool) -> None:
    """Announcements waiting for approval (waiting) or for the hourly limit (approved)."""
    async def work(announcer: Announcer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return await announcer.pending(), await announcer.stopped_blogs()

    rows, stopped = _run(config, work)
    if as_json:
        click.echo(json.dumps([{"id": r["id"], "kind": r["kind"], "blog": r["blog"], "object": r["object_id"],
                                "state": r["state"], "created_at": r["created_at"]} for r in rows]))
        return
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(row["created_at"]))
        click.echo(f"{row['id']}  {row['state']:<8}  {row['kind']:<5}  {row['blog']}  {row['object_id']}  {when}Z")
    if not rows:
        click.echo("nothing waiting")
    for row in stopped:
        click.echo(f"stopped: {row['blog']} (by {row['stopped_by']})")


@announcements_group.command("approve")
@config_option
@click.argument("announcement")
def approve_command(config: str | None, announcement: str) -> None:
    """Approve ANNOUNCEMENT; it is sent now, or when the hourly limit allows."""
    _run(config, lambda announcer: announcer.approve(announcement, who=_who()))
    click.echo(f"approved {announcement}")


@announcements_group.command("reject")
@config_option
@click.argument("announcement")
def reject_command(config: str | None, announcement: str) -> None:
    """Reject ANNOUNCEMENT: it is never sent."""
    _run(config, lambda announcer: announcer.reject(announcement, who=_who()))
    click.echo(f"rejected {announcement}")


@announcements_group.command("stop")
@config_option
@click.argument("blog")
def stop_command(config: str | None, blog: str) -> None:
    """Stop announcing and boosting BLOG (@user@host); its pending announcements are withdrawn."""
    mention = _blog(blog)
    withdrawn = _run(config, lambda announcer: announcer.stop_blog(mention, who=_who()))
    click.echo(f"no more announcements of {mention}; {withdrawn} pending withdrawn")


@announcements_group.command("resume")
@config_option
@click.argument("blog")
def resume_command(config: str | None, blog: str) -> None:
    """Announce BLOG again (its new posts; it is not introduced twice)."""
    mention = _blog(blog)
    found = _run(config, lambda announcer: announcer.resume_blog(mention))
    click.echo(f"{mention} may be announced again" if found else f"{mention} was not stopped")


COMMANDS = [announcements_group]
