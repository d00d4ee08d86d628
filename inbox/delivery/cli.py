"""``fedipress inbox deliveries``: pending counts and failing hosts, for operators.

``inbox.cli`` adds every command of ``COMMANDS`` to the ``fedipress inbox`` group.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import click

from inbox.storage import deliveries as store


async def _report(database: str, revive: str | None) -> dict[str, Any]:
    from inbox.storage.db import Database

    db = await Database.open(database)
    try:
        if revive:
            await store.mark_host_seen(db, revive)
        return {"deliveries": await store.state_counts(db), "failing_hosts": await store.failing_hosts(db)}
    finally:
        await db.close()


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(timestamp))


@click.command("deliveries")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None, help="inbox.toml")
@click.option("--database", default=None, help="SQLite file (default: from the config)")
@click.option("--revive", metavar="HOST", default=None, help="Mark HOST available again (host[:port]).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def deliveries_command(config: str | None, database: str | None, revive: str | None, as_json: bool) -> None:
    """Show pending / delivered / failed counts and the hosts that keep failing."""
    from inbox.settings import existing_database, load_settings

    from fedicore.errors import ConfigError

    settings = load_settings(config, overrides={"database": database})
    try:
        which = existing_database(settings, config,
                                  origin="from --database" if database else None)
    except ConfigError as exc:
        failure = click.ClickException(str(exc))
        failure.exit_code = 2
        raise failure from None
    if not as_json:
        click.echo(which, err=True)
    report = asyncio.run(_report(settings.database, revive))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    counts = report["deliveries"]
    click.echo(f"pending {counts['pending']}  delivered {counts['delivered']}  failed {counts['failed']}")
    hosts = report["failing_hosts"]
    if not hosts:
        click.echo("no failing hosts")
        return
    click.echo(f"{'host':<40} {'fails':>5} {'pending':>7}  state        last success      last error")
    for h in hosts:
        state = "unavailable" if h["unavailable"] else ("open" if h["open_until"] > time.time() else "retrying")
        click.echo(
            f"{h['host']:<40} {h['consecutive_failures']:>5} {h['pending']:>7}  {state:<12} "
            f"{_when(h['last_success_at']):<17} {(h['last_error'] or '')[:60]}"
        )


COMMANDS = [deliveries_command]
