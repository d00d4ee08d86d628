"""``fedipress register | publish | pull``: the commands an author's CI runs.

Exit codes: 0 done, 1 the inbox or the network failed, 2 a usage or config mistake. Every
failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fedicore.errors import ConfigError, FedipressError

site_argument = click.argument("directory", default=".",
                               type=click.Path(file_okay=False, path_type=Path))
out_option = click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                          help="The built folder [default: where the last build wrote].")


def _fail(exc: FedipressError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2 if isinstance(exc, ConfigError) else exc.exit_code or 1)


@click.command("register")
@site_argument
def register_command(directory: Path) -> None:
    """Register the blog actor with its inbox (signed by the blog's key; safe to repeat)."""
    from sitegen.social import register_site

    try:
        click.echo(register_site(directory))
    except FedipressError as exc:
        _fail(exc)


@click.command("publish")
@site_argument
@out_option
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--mark-published", is_flag=True,
              help="Record the site as published without sending (e.g. old posts).")
@click.option("--allow-private", is_flag=True,
              help="Also resolve mentions on private/loopback addresses (local testing).")
@click.option("--quiet-edits", is_flag=True,
              help="Record edits (typo fixes) without sending an Update.")
def publish_command(directory: Path, out: Path | None, dry_run: bool,
                    mark_published: bool, allow_private: bool, quiet_edits: bool) -> None:
    """Resolve mentions (WebFinger), then send Create / Update / Delete for what changed
    since the last publish."""
    from sitegen.social import publish_site

    try:
        report = publish_site(directory, out=out, dry_run=dry_run, mark_only=mark_published,
                              allow_private=allow_private, quiet_edits=quiet_edits,
                              echo=click.echo)
    except FedipressError as exc:
        _fail(exc)
        return
    if report.failure:
        click.echo(f"error: after {len(report.sent)} sent: {report.failure} "
                   "(run publish again to resume)", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"{len(report.planned)} to send (dry run)")
    elif mark_published:
        click.echo(f"marked {len(report.planned)} as published; nothing sent")
    else:
        click.echo(f"published: {len(report.sent)} sent" if report.sent else "nothing to publish")
    if report.unresolved:
        click.echo(f"{len(report.unresolved)} mention(s) not resolved, nobody notified: "
                   f"{', '.join(report.unresolved)}", err=True)


@click.command("pull")
@site_argument
@out_option
@click.option("--allow-private", is_flag=True,
              help="Also fetch reply authors on private/loopback addresses (local testing).")
def pull_command(directory: Path, out: Path | None, allow_private: bool) -> None:
    """Fetch replies, likes, boosts and followers into DIRECTORY/data/ for the next build."""
    from sitegen.social import pull_site

    try:
        pull_site(directory, out=out, allow_private=allow_private, echo=click.echo)
    except FedipressError as exc:
        _fail(exc)


@click.command("move")
@site_argument
@out_option
@click.option("--allow-private", is_flag=True,
              help="Allow a new account on a private/loopback address (local testing).")
def move_command(directory: Path, out: Path | None, allow_private: bool) -> None:
    """Send a Move to every follower: the blog now lives at `moved_to`."""
    from sitegen.social.move import move_site

    try:
        click.echo(move_site(directory, out=out, allow_private=allow_private))
    except FedipressError as exc:
        _fail(exc)
