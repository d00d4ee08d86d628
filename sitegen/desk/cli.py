"""``fedipress queue | approve | reject | block | followers | replies | reply | desk``: the
author's commands. Each signs its requests to the inbox with the blog's key, so it works
against a remote inbox over HTTPS as against a local one.

Exit codes: 0 done, 1 the inbox refused or could not be reached (or an item is unknown),
2 a usage or config mistake. Errors are one line on stderr; ``--json`` prints JSON for scripts.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from fedicore.errors import ConfigError, FedipressError

site_option = click.option("--site", "site", default=".", show_default=True,
                           type=click.Path(file_okay=False, path_type=Path),
                           help="The site folder (holds fedipress.toml and the key).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def fail(exc: FedipressError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2 if isinstance(exc, ConfigError) else exc.exit_code or 1)


@contextmanager
def desk_for(root: Path) -> Iterator[Any]:
    """A ``Desk`` on the site's inbox; any ``FedipressError`` inside ends the command."""
    from sitegen.config import load_site
    from sitegen.desk.api import Desk
    from sitegen.social.client import InboxClient

    try:
        client = InboxClient(load_site(root))
    except FedipressError as exc:
        fail(exc)
        raise AssertionError from None  # fail exits
    try:
        yield Desk(client)
    except FedipressError as exc:
        fail(exc)
    finally:
        client.close()


def age(timestamp: float, now: float | None = None) -> str:
    seconds = max(0, int((now or time.time()) - timestamp))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def item_line(item: dict[str, Any]) -> str:
    about = "" if item["kind"] == "follow" else f" on {item['object_id']}"
    text = f"  “{item['excerpt']}”" if item.get("excerpt") else ""
    public = item.get("public_page") or {}
    consent = f"  [on the blog {public['shown']}: {public['why']}]" if public.get("why") else ""
    return (f"{item['id']}  {age(item['created_at']):>4}  {item['kind']:<6} "
            f"{item['author_handle']}{about}{text}{consent}")


def _print(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict], str], empty: str) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
    elif rows:
        for row in rows:
            click.echo(line(row))
    else:
        click.echo(empty)


@click.command("queue")
@click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))
@json_option
@click.option("--new-feed-url", is_flag=True,
              help="Make a new secret URL for your private feed (the old one stops working).")
def queue_command(site: Path, as_json: bool, new_feed_url: bool) -> None:
    """List what waits for your approval: id, age, kind, who, which post, an excerpt."""
    with desk_for(site) as desk:
        if new_feed_url:
            click.echo(desk.rotate_feed())
            return
        _print(desk.items("queued"), as_json, item_line, "nothing waits for approval")


def _decide(ids: tuple[str, ...], all_from: str | None, site: Path, as_json: bool,
            verb: str) -> None:
    if not ids and not all_from:
        fail(ConfigError(f"nothing to {verb}: give item ids (see `fedipress queue`) or --all-from"))
    with desk_for(site) as desk:
        if all_from:
            wanted = all_from.lower()
            chosen = [i for i in desk.items("queued", limit=500)
                      if i["author_handle"].lower() == wanted]
            if not chosen:
                click.echo("[]" if as_json else f"nothing queued from {all_from}")
                return
        else:
            chosen = [desk.resolve(ref) for ref in ids]
        for item in chosen:
            (desk.approve if verb == "approve" else desk.reject)(item)
            if not as_json:
                click.echo(f"{verb.rstrip('e')}ed {item['id']} ({item['kind']} from {item['author_handle']})")
        if as_json:
            click.echo(json.dumps([{"id": i["id"], "activity_id": i["activity_id"], verb.rstrip("e") + "ed": True}
                                   for i in chosen], indent=2))


@click.command("approve")
@click.argument("ids", nargs=-1)
@click.option("--all-from", metavar="@USER@HOST", help="Everything queued from this person.")
@site_option
@json_option
def approve_command(ids: tuple[str, ...], all_from: str | None, site: Path, as_json: bool) -> None:
    """Approve queued items (a reply becomes public at the next pull and build)."""
    _decide(ids, all_from, site, as_json, "approve")


@click.command("reject")
@click.argument("ids", nargs=-1)
@click.option("--all-from", metavar="@USER@HOST", help="Everything queued from this person.")
@site_option
@json_option
def reject_command(ids: tuple[str, ...], all_from: str | None, site: Path, as_json: bool) -> None:
    """Reject queued items (a rejected follow request gets a Reject)."""
    _decide(ids, all_from, site, as_json, "reject")


@click.command("block")
@click.argument("target")
@click.option("--for", "for_", metavar="DURATION", help="Lift the block after e.g. 7d, 12h.")
@click.option("--reason", default="", help="Why, for the audit log.")
@site_option
@json_option
def block_command(target: str, for_: str | None, reason: str, site: Path, as_json: bool) -> None:
    """Block @user@host or a whole domain on this blog (their follows, replies and
    reactions go at once; with --for they come back when the block expires)."""
    with desk_for(site) as desk:
        pattern = desk.block(target, for_=for_, reason=reason)
        if as_json:
            click.echo(json.dumps({"blocked": pattern, "for": for_}))
        else:
            click.echo(f"blocked {pattern}" + (f" for {for_}" if for_ else ""))


@click.command("followers")
@click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--remove", "remove", metavar="@USER@HOST|URL", multiple=True,
              help="Remove this follower (their server gets a Reject).")
@json_option
def followers_command(site: Path, remove: tuple[str, ...], as_json: bool) -> None:
    """List your followers, or remove some."""
    with desk_for(site) as desk:
        if remove:
            gone = [desk.remove_follower(who) for who in remove]
            click.echo(json.dumps({"removed": gone}) if as_json
                       else "\n".join(f"removed {who}" for who in gone))
            return
        _print(desk.followers(), as_json,
               lambda f: f"{f['handle']}  since {time.strftime('%Y-%m-%d', time.gmtime(f['created_at']))}"
               f"  {f['follower_id']}", "no followers yet")


@click.command("replies")
@click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--all", "every", is_flag=True, help="Queued and hidden ones too.")
@json_option
def replies_command(site: Path, every: bool, as_json: bool) -> None:
    """Recent replies to your posts, newest first (approved ones unless --all)."""
    with desk_for(site) as desk:
        rows = desk.items("all" if every else "approved", kind="reply")
        _print(rows, as_json, lambda i: item_line(i) + ("" if i["state"] == "approved"
                                                         else f"  [{i['state']}]"),
               "no replies yet")


@click.command("reply")
@click.argument("item_id")
@site_option
def reply_command(item_id: str, site: Path) -> None:
    """Start an answer to a queued or approved item: writes content/posts/re-ID.md with
    in_reply_to and a mention of its author. Edit it, then build and publish."""
    from sitegen.desk.answers import scaffold_answer

    with desk_for(site) as desk:
        item = desk.resolve(item_id, state="all")
        path = scaffold_answer(desk.client.site, item, item["id"], now=time.time())
        waiting = " (the reply still waits: `fedipress approve " + item["id"] + "`)" \
            if item["state"] == "queued" else ""
        click.echo(f"wrote {path}{waiting}")


@click.command("desk")
@click.argument("site", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8484, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
def desk_command(site: Path, port: int) -> None:
    """Serve the moderation desk on 127.0.0.1: the queue, replies, followers, reports and the
    audit log, every action signed with the blog's key on this machine."""
    from sitegen.desk.server import DeskApp, DeskServer

    with desk_for(site) as desk:
        try:
            server = DeskServer(DeskApp(desk), port)
        except OSError as exc:
            fail(ConfigError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}"))
            return
        click.echo(f"Desk for {desk.client.site.handle} at {server.url} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
