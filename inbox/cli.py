"""``fedipress inbox``: serve, worker, migrate, backup — plus the commands other parts of the
inbox contribute through their ``COMMANDS`` lists (deliveries, moderation)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from pathlib import Path

import click

from fedicore.errors import FedipressError
from inbox.announcements import cli as announcements_cli
from inbox.delivery import cli as delivery_cli
from inbox import registration_cli
from inbox.moderation import cli as moderation_cli
from inbox.settings import Settings, database_origin, load_settings
from inbox.storage.dialect import POSTGRESQL, database_kind, redacted

config_option = click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                             help="inbox.toml (FEDIPRESS_* environment variables override it)")


@click.group("inbox")
def inbox_group() -> None:
    """Run and operate the inbox server."""


def shown_database(database: str) -> str:
    """The database a command opens, as printed: a file's absolute path, a URL without its password."""
    if database_kind(database) == POSTGRESQL:
        return redacted(database)
    return str(Path(database).absolute())


@inbox_group.command("serve")
@config_option
@click.option("--host", default=None, help="Bind address (default from config: 127.0.0.1)")
@click.option("--port", type=int, default=None, help="Port (default from config: 8080)")
def serve_command(config: str | None, host: str | None, port: int | None) -> None:
    """Serve the inbox (one process: HTTP, activity processing, deliveries)."""
    import uvicorn

    from inbox.app import create_app
    from inbox.logs import configure_logging

    from inbox import sd_notify
    from inbox.storage.db import check_schema

    settings = load_settings(config, overrides={"host": host, "port": port})
    if (refusal := check_schema(settings.database)) is not None:
        raise refusal  # one line, before anything else (the Ansible role reads it)
    click.echo(f"database: {shown_database(settings.database)} ({database_origin(config)})", err=True)
    configure_logging(settings.log_level)
    app = create_app(settings)
    sd_notify.serve(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                    log_level=settings.log_level.lower(), proxy_headers=False, server_header=False)


@inbox_group.command("worker")
@config_option
def worker_command(config: str | None) -> None:
    """Run the background work only: deliveries, webhook calls, blocklist refresh and expiry
    catch-up (a second process next to `serve` with run_worker=false)."""
    from inbox.logs import configure_logging

    settings = load_settings(config)
    configure_logging(settings.log_level)
    asyncio.run(run_worker(settings))


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None,
                     clock: Callable[[], float] = time.time) -> None:
    """Every background worker until SIGINT/SIGTERM (or ``stop`` is set, for tests)."""
    from inbox.background import Background, background_workers
    from inbox.storage.db import Database

    db = await Database.open(settings.database)
    background = Background(background_workers(db, settings, clock=clock))
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    background.start()
    try:
        await stop.wait()
    finally:
        await background.stop()
        await db.close()


@inbox_group.command("migrate")
@config_option
def migrate_command(config: str | None) -> None:
    """Apply pending schema migrations (serve does this at start too)."""
    settings = load_settings(config)
    applied, version = asyncio.run(_migrate(settings.database))
    if applied:
        click.echo(f"applied migrations {', '.join(f'{v:03d}' for v in applied)}; schema is at {version:03d}")
    else:
        click.echo(f"schema is up to date at {version:03d}")


async def _migrate(path: str) -> tuple[list[int], int]:
    from inbox.storage.db import Database

    db = await Database.open(path, migrate=False)
    try:
        applied = await db.migrate()
        return applied, await db.schema_version()
    finally:
        await db.close()


@inbox_group.command("backup")
@config_option
@click.argument("dest", type=click.Path(dir_okay=False))
def backup_command(config: str | None, dest: str) -> None:
    """Copy the database to DEST, consistently, while the server runs (SQLite online backup)."""
    from inbox.storage.db import backup_database

    settings = load_settings(config)
    if database_kind(settings.database) == POSTGRESQL:
        raise FedipressError("backup copies an SQLite file; for PostgreSQL use pg_dump (docs/inbox.md),"
                             " or `fedipress inbox copy-db` into an SQLite file")
    source = Path(settings.database)
    if not source.is_file():
        raise FedipressError(f"no inbox database at {source}")
    if Path(dest).exists():
        raise FedipressError(f"{dest} exists; choose a new file name")
    backup_database(source, dest)
    click.echo(f"backed up {source} to {dest}")


@inbox_group.command("copy-db")
@click.argument("source")
@click.argument("target")
@click.option("--replace", is_flag=True,
              help="Overwrite a TARGET that holds other data (by default it must be empty or an earlier copy)")
def copy_db_command(source: str, target: str, replace: bool) -> None:
    """Copy the inbox database SOURCE into TARGET (an SQLite path or sqlite:///path, or a
    postgresql:// URL; either way), then verify row counts and checksums. Re-running is safe:
    a TARGET that already holds the same data is left alone. Stop the inbox first."""
    from inbox.storage.copy_db import copy_database
    from inbox.storage.dialect import redacted

    report = asyncio.run(copy_database(source, target, replace=replace))
    if report.already_copied:
        click.echo(f"{redacted(target)} already holds this copy: {report.rows} rows in"
                   f" {len(report.tables)} tables, counts and checksums match; nothing to do")
        return
    busiest = sorted(report.tables.items(), key=lambda item: -item[1].rows)[:3]
    detail = ", ".join(f"{name} {table.rows}" for name, table in busiest)
    click.echo(f"copied {report.rows} rows in {len(report.tables)} tables ({detail}) to"
               f" {redacted(target)} in {report.seconds:.1f} s; counts and checksums match")


@inbox_group.command("check-config")
@config_option
def check_config_command(config: str | None) -> None:
    """Check the settings (file and FEDIPRESS_* environment) and that this release can open the
    database, without starting anything: exit 0 ok, 2 bad settings, 1 database too new."""
    from inbox.storage.db import check_schema, newest_known_schema

    settings = load_settings(config)
    if (refusal := check_schema(settings.database)) is not None:
        raise refusal
    click.echo(f"settings ok ({config or 'defaults'}); this release knows schema up to"
               f" {newest_known_schema():03d}")


for _command in [*delivery_cli.COMMANDS, *moderation_cli.COMMANDS, *registration_cli.COMMANDS,
                 *announcements_cli.COMMANDS]:
    inbox_group.add_command(_command)
