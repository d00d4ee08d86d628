"""`fedipress up`: the one-command local experience.

Builds the site, serves it on 127.0.0.1 with the ActivityPub content types, runs the inbox
beside it on the embedded SQLite default, and registers the blog actor with that inbox, all
in one process. Both listen on 127.0.0.1 (the ports of base_url and inbox_url) unless
`--host` says otherwise. Meant for trying Fedipress and for local development: on a loopback
address the inbox may fetch loopback and private addresses, which a deployed inbox never
does; on any other address it keeps the deployed rule.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import click

from fedicore.errors import FedipressError


def _host_port(url: str, what: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname:
        raise FedipressError(f"{what} {url!r} has no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname, port


LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` is reachable from this machine only."""
    from ipaddress import ip_address

    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def inbox_overrides(inbox_url: str, *, host: str | None, data_dir: Path) -> dict[str, object]:
    """The inbox settings `up` sets: listen on ``host`` (loopback when None) at inbox_url's
    port; fetching private addresses is allowed only on a loopback bind."""
    _url_host, port = _host_port(inbox_url, "inbox_url")
    bind = host or LOOPBACK
    overrides: dict[str, object] = {
        "host": bind, "port": port, "public_url": inbox_url.rstrip("/"),
        "database": str(data_dir / "inbox.sqlite3"),
    }
    if is_loopback(bind):
        overrides["allow_private_fetch"] = True  # reply authors on this machine, in tests
    return overrides


def _register_when_ready(root: Path, inbox_url: str, stop: threading.Event) -> None:
    """Wait for the inbox, then register the blog actor with it (idempotent)."""
    import httpx

    from sitegen.social import register_site

    for _ in range(100):
        if stop.is_set():
            return
        try:
            if httpx.get(f"{inbox_url.rstrip('/')}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    try:
        outcome = register_site(root)
    except FedipressError as exc:
        click.echo(f"could not register with the inbox: {exc}", err=True)
    else:
        click.echo(f"inbox: {outcome}")


@click.command("up")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the inbox database (default: <site>/.fedipress-data).")
@click.option("--no-inbox", is_flag=True, help="Only build and serve the static site.")
@click.option("--host", default=None, metavar="ADDRESS",
              help="Address both servers listen on [default: 127.0.0.1]. On any address but "
                   "loopback the inbox does not fetch private addresses.")
def up_command(directory: Path, data: Path | None, no_inbox: bool, host: str | None) -> None:
    """Build DIRECTORY and serve it with its inbox on 127.0.0.1 (Ctrl-C stops both).

    The site listens on base_url's port, the inbox on inbox_url's port."""
    from sitegen.cli import DEFAULT_OUT, run_build
    from sitegen.config import load_site
    from sitegen.serve import make_server

    site = load_site(directory)
    run_build(directory)
    _site_host, site_port = _host_port(site.base_url, "base_url")
    server = make_server(directory / DEFAULT_OUT, host or LOOPBACK, site_port)
    threading.Thread(target=server.serve_forever, name="fedipress-site", daemon=True).start()
    click.echo(f"site:  {server.url}  (actor {site.base_url}/ap/actor.json)")
    inbox_url = site.config.inbox_url
    if no_inbox or not inbox_url:
        if not inbox_url:
            click.echo("no inbox_url in fedipress.toml: serving the static site only")
        _wait_forever(server)
        return

    import uvicorn

    from inbox.app import create_app
    from inbox.settings import load_settings

    overrides = inbox_overrides(inbox_url, host=host,
                                data_dir=data or directory / ".fedipress-data")
    # registration is closed by default: open it for this blog's own name only
    overrides["open_registration"] = [site.handle]
    settings = load_settings(overrides=overrides)
    stop = threading.Event()
    threading.Thread(target=_register_when_ready, args=(directory, inbox_url, stop),
                     name="fedipress-register", daemon=True).start()
    click.echo(f"inbox: {inbox_url}  (listening on {overrides['host']}:{overrides['port']}, "
               f"database {settings.database})")
    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port,
                            log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run()
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def _wait_forever(server) -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
