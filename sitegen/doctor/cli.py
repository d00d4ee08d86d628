"""``fedipress doctor [SITE|URL]``: explain what is wrong, with the fix (``sitegen.doctor``).

Exit codes: 0 healthy, 1 at least one problem, 2 a usage or config mistake."""

from __future__ import annotations

import sys

import click

from fedicore.errors import ConfigError, FedipressError


@click.command("doctor")
@click.argument("target", default=".")
@click.option("--peer", metavar="@USER@HOST", help="What the inbox knows about this person.")
@click.option("--host", metavar="HOST", help="What the inbox knows about this server.")
@click.option("--post", "post", metavar="SLUG", help="How each server will show this post.")
@click.option("--no-round-trip", is_flag=True, help="Skip the live follow round trip.")
@click.option("--wait", default=30.0, show_default=True, type=click.FloatRange(1, 60),
              help="Seconds to wait for the blog's Accept in the round trip.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def doctor_command(target: str, peer: str | None, host: str | None, post: str | None,
                   no_round_trip: bool, wait: float, as_json: bool) -> None:
    """Find out why people cannot follow the blog or do not see its posts.

    TARGET is the site folder (then the doctor also signs a live follow round trip and can ask
    the inbox about followers) or the site's URL (public checks only)."""
    from sitegen.doctor.report import render_text
    from sitegen.doctor.run import Visit, diagnose

    try:
        report = diagnose(Visit(target, peer=peer, host=host, post=post, wait=wait,
                                round_trip=not no_round_trip))
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except FedipressError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code or 1)
    click.echo(report.to_json() if as_json else render_text(report))
    sys.exit(report.exit_code)
