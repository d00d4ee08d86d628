"""``fedipress inbox registration open NAME`` / ``list``: the operator opens registration for
one name (``@user@host``) or a whole domain (``host[:port]``), straight in the database."""

from __future__ import annotations

import asyncio
import time

import click

from inbox.registration import opening_of
from inbox.settings import load_settings

config_option = click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                             help="inbox.toml (FEDIPRESS_* environment variables override it)")


@click.group("registration")
def registration_group() -> None:
    """Who may register an actor here (closed by default)."""


@registration_group.command("open")
@config_option
@click.argument("name")
def open_command(config: str | None, name: str) -> None:
    """Open registration for NAME (@user@host) or a domain (host[:port]); * opens it to anyone."""
    opening = opening_of(name)
    if isinstance(opening, ValueError):
        raise click.UsageError(str(opening))
    settings = load_settings(config)
    new = asyncio.run(_open(settings.database, opening))
    click.echo(f"registration open for {opening}" + ("" if new else " (already)"))


@registration_group.command("list")
@config_option
def list_command(config: str | None) -> None:
    """Every name and domain registration is open to (config and database)."""
    settings = load_settings(config)
    for name in sorted({*settings.open_registration, *asyncio.run(_list(settings.database))}):
        click.echo(name)


async def _open(path: str, opening: str) -> bool:
    from inbox.storage.db import Database
    from inbox.storage.instance import open_registration

    db = await Database.open(path)
    try:
        return await open_registration(db, opening, who="operator", now=time.time())
    finally:
        await db.close()


async def _list(path: str) -> list[str]:
    from inbox.storage.db import Database
    from inbox.storage.instance import registration_openings

    db = await Database.open(path)
    try:
        return await registration_openings(db)
    finally:
        await db.close()


COMMANDS = [registration_group]
