"""Inbox settings: defaults, then ``inbox.toml``, then ``FEDIPRESS_<FIELD>`` environment variables.

Later sources win, so an operator can keep one config file and override a field per host.
Bad values are a ``ConfigError`` (one line, exit 2), never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from fedicore.errors import ConfigError

ENV_PREFIX = "FEDIPRESS_"
# Where ``serve`` and every operator command look for inbox.toml when --config is not given,
# after ``FEDIPRESS_CONFIG``: the working folder, then the path the Ansible role installs.
CONFIG_SEARCH = ("inbox.toml", "/etc/fedipress/inbox.toml")


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Everything the inbox server reads at start (see docs/inbox.md for each field)."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    database: str = "data/inbox.sqlite3"
    trust_forwarded: bool = False
    allow_private_fetch: bool = False
    admins: list[str] = msgspec.field(default_factory=list)
    run_worker: bool = True
    # How long a claim on shared work (a received activity being applied, a delivery being
    # sent) holds without renewal: work held by a node or worker that died (kill -9, a lost
    # machine) is taken over by another after at most this long (sooner on the same machine).
    lease_seconds: float = 120.0
    backfill_count: int = 5
    log_level: str = "info"
    max_body_bytes: int = 1048576
    # Inbox POSTs allowed per second from one client address (bursts up to twice that);
    # more get 429 + Retry-After before any signature work.
    rate_limit_per_second: int = 5000
    # Replies addressed as "unlisted" (as:Public in cc) are served by the public replies API
    # (and so shown on the blog) only when this is on; private ones never are.
    publish_unlisted_replies: bool = False
    # Queued items (replies, follows, reports waiting for the author) one remote actor, and
    # one remote host, may hold per local actor; more are dropped (issue 13 item 7).
    max_queued_per_actor: int = 50
    max_queued_per_host: int = 500
    # Who may register an actor besides admins: ``@user@host``, ``host[:port]`` or ``*``
    # (closed by default; ``fedipress inbox registration open`` adds more at run time).
    open_registration: list[str] = msgspec.field(default_factory=list)
    # Follow floods: new followers one remote host may bring per hour before the rest wait
    # for the author's approval; verified Follows one client address may send per minute
    # before 429 + Retry-After.
    new_followers_per_host_per_hour: int = 30
    follows_per_address_per_minute: int = 60
    # The announcements actor (@announcements@<public_url host>, docs/inbox.md): off, it
    # answers 404. On, it introduces blogs that registered with announce=true, each after the
    # operator's approval when review is on, at most announcements_per_hour (the rest wait);
    # with announcements_boost it also boosts their public posts, a few per blog a day.
    announcements: bool = False
    announcements_review: bool = True
    announcements_per_hour: int = 6
    announcements_boost: bool = False
    announcements_boosts_per_blog_per_day: int = 2
    # When set, GET /metrics needs ``Authorization: Bearer <metrics_token>`` (401 otherwise).
    metrics_token: str = ""

    # Other names this inbox answers to (``host:port``, or ``host`` for any port), besides
    # public_url's host.
    # A signed request is verified against the host it names only when that host is one of these.
    accepted_hosts: list[str] = msgspec.field(default_factory=list)

    def serves_host(self, host: str, scheme: str) -> bool:
        """Is ``host`` (a Host header value) public_url's host or one of ``accepted_hosts``?"""
        public_scheme, _, rest = self.public_url.partition("://")
        given = _authority(host, scheme)
        if given == _authority(rest.split("/", 1)[0], public_scheme):
            return True
        accepted = {_authority(name, scheme) for name in self.accepted_hosts}
        any_port = {name for name in accepted if _without_port(name) == name}
        return given in accepted or _without_port(given) in any_port

    @property
    def base_url(self) -> str:
        """The public URL without a trailing slash."""
        return self.public_url.rstrip("/")


def _authority(host: str, scheme: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port and a trailing dot."""
    host = host.strip().lower()
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and name and (not name.startswith("[") or name.endswith("]")):
        if (scheme, port) in (("http", "80"), ("https", "443")):
            return name.rstrip(".")
        return f"{name.rstrip('.')}:{port}"
    return host.rstrip(".")


def _without_port(authority: str) -> str:
    name, sep, port = authority.rpartition(":")
    if sep and port.isdigit() and name and (not name.startswith("[") or name.endswith("]")):
        return name
    return authority


_FIELDS = {name: field for name, field in zip(Settings.__struct_fields__, msgspec.structs.fields(Settings))}


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Env values are strings; lists are comma separated, booleans true/false/1/0/yes/no."""
    found: dict[str, Any] = {}
    for name, field in _FIELDS.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        kind = field.type
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ConfigError(f"{ENV_PREFIX}{name.upper()}: expected true or false, got {raw!r}")
            found[name] = lowered in {"1", "true", "yes", "on"}
        elif kind is int:
            try:
                found[name] = int(raw)
            except ValueError:
                raise ConfigError(f"{ENV_PREFIX}{name.upper()}: expected a whole number, got {raw!r}") from None
        elif kind is float:
            try:
                found[name] = float(raw)
            except ValueError:
                raise ConfigError(f"{ENV_PREFIX}{name.upper()}: expected a number, got {raw!r}") from None
        elif name in ("admins", "accepted_hosts", "open_registration"):
            found[name] = [item.strip() for item in raw.split(",") if item.strip()]
        else:
            found[name] = raw
    return found


def find_config(config: str | Path | None, *, environ: Mapping[str, str] | None = None) -> Path | None:
    """The inbox.toml to read: ``--config``, else ``FEDIPRESS_CONFIG``, else the first of
    ``CONFIG_SEARCH`` that exists, else none (built-in defaults and the environment)."""
    if config is not None:
        return Path(config)
    environ = os.environ if environ is None else environ
    if environ.get(ENV_PREFIX + "CONFIG"):
        return Path(environ[ENV_PREFIX + "CONFIG"])
    return next((Path(c) for c in CONFIG_SEARCH if Path(c).is_file()), None)


def database_origin(config: str | Path | None, *, environ: Mapping[str, str] | None = None) -> str:
    """Where ``database`` came from, in words, for the line the operator commands print."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_PREFIX + "DATABASE"):
        return f"from {ENV_PREFIX}DATABASE"
    found = find_config(config, environ=environ)
    if found is not None:
        return f"from {found}"
    return "the built-in default: no --config, FEDIPRESS_CONFIG or inbox.toml found"


def load_settings(
    config: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults, the TOML file (an ``[inbox]`` table or top-level keys) and the environment.

    Without ``config`` the file is found as ``find_config`` says, the same for ``serve`` and
    every operator command, so they all open the same database."""
    data: dict[str, Any] = {}
    config = find_config(config, environ=environ)
    if config is not None:
        path = Path(config)
        try:
            parsed = tomllib.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError("config file not found", path=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None
        table = parsed.get("inbox", parsed)
        if not isinstance(table, dict):
            raise ConfigError("[inbox] must be a table", path=str(path))
        data.update(table)
    data.update(_from_env(os.environ if environ is None else environ))
    if overrides:
        data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = msgspec.convert(data, Settings)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"bad setting: {exc}", path=str(config) if config else None) from None
    return check_settings(settings)


def check_settings(settings: Settings) -> Settings:
    """Reject values that would only fail later, at a worse moment."""
    from inbox.storage.dialect import SQLITE, database_kind, sqlite_path

    if database_kind(settings.database) == SQLITE:  # any other scheme is refused here
        settings.database = sqlite_path(settings.database)
    if not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError(f"public_url must start with http:// or https://, got {settings.public_url!r}")
    if not 0 < settings.port < 65536:
        raise ConfigError(f"port must be 1-65535, got {settings.port}")
    if settings.max_body_bytes < 1024:
        raise ConfigError("max_body_bytes must be at least 1024")
    if settings.rate_limit_per_second < 1:
        raise ConfigError(f"rate_limit_per_second must be at least 1, got {settings.rate_limit_per_second}")
    if not 1.0 <= settings.lease_seconds <= 86400.0:
        raise ConfigError(f"lease_seconds must be 1-86400, got {settings.lease_seconds}")
    if settings.announcements_per_hour < 1:
        raise ConfigError(f"announcements_per_hour must be at least 1, got {settings.announcements_per_hour}")
    if settings.announcements_boosts_per_blog_per_day < 0:
        raise ConfigError("announcements_boosts_per_blog_per_day must be 0 or more, got "
                          f"{settings.announcements_boosts_per_blog_per_day}")
    if settings.log_level.lower() not in {"debug", "info", "warning", "error"}:
        raise ConfigError(f"log_level must be debug, info, warning or error, got {settings.log_level!r}")
    return settings


def existing_database(settings: Settings, config: str | Path | None, *,
                      environ: Mapping[str, str] | None = None, origin: str | None = None) -> str:
    """For a command that reads or changes the database: the line saying which file it opens.

    A missing file is a ``ConfigError``: opening it would create a new, empty database that
    the running server never reads, and report success."""
    from inbox.storage.dialect import POSTGRESQL, database_kind, redacted

    origin = origin or database_origin(config, environ=environ)
    if database_kind(settings.database) == POSTGRESQL:
        return f"database: {redacted(settings.database)} ({origin})"
    if not Path(settings.database).is_file():
        raise ConfigError(f"no inbox database at {settings.database} ({origin}); point --config "
                          "at the server's inbox.toml, or run `fedipress inbox migrate` to create it")
    return f"database: {os.path.abspath(settings.database)} ({origin})"
