"""`fedipress.toml`: the typed site config and the URLs derived from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

import msgspec

from fedicore.config import line_of_key, load_toml_text
from fedicore.errors import ConfigError
from sitegen.desk.rules import ReplyRules

CONFIG_NAME = "fedipress.toml"
_USERNAME = re.compile(r"^[a-z0-9_]{1,64}$")
_SHORTCODE = re.compile(r"^[A-Za-z0-9_]{2,64}$")


class ProfileField(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    value: str


class SiteConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every key `fedipress.toml` may hold (docs/publisher.md explains each)."""

    base_url: str
    username: str
    display_name: str = ""
    title: str = ""
    bio: str = ""
    avatar: str | None = None
    header: str | None = None
    language: str = "en"
    inbox_url: str | None = None
    posts_per_page: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    outbox_page_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 20
    feed_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 20
    manually_approves_followers: bool = False
    discoverable: bool = True
    rel_me: list[str] = []
    fediverse_creator: str | None = None
    fields: list[ProfileField] = []
    emoji: dict[str, str] = {}
    replies: ReplyRules = msgspec.field(default_factory=ReplyRules)  # sitegen/desk/rules.py


@dataclass(frozen=True)
class Site:
    """A site folder with its config and every URL the build writes into documents."""

    root: Path
    config: SiteConfig
    base_url: str
    host: str  # domain, with :port when not default

    @property
    def acct(self) -> str:
        return f"{self.config.username}@{self.host}"

    @property
    def handle(self) -> str:
        return f"@{self.acct}"

    @property
    def inbox_base(self) -> str:
        return (self.config.inbox_url or self.base_url).rstrip("/")

    @property
    def actor_id(self) -> str:
        return f"{self.base_url}/ap/actor.json"

    @property
    def followers(self) -> str:
        return f"{self.inbox_base}/v1/{self.handle}/followers"

    @property
    def inbox(self) -> str:
        return f"{self.inbox_base}/v1/{self.handle}/inbox"

    @property
    def shared_inbox(self) -> str:
        return f"{self.inbox_base}/v1/inbox"

    @property
    def site_title(self) -> str:
        return self.config.title or self.config.display_name or self.config.username

    def post_url(self, slug: str) -> str:
        return f"{self.base_url}/posts/{slug}/"

    def post_id(self, slug: str) -> str:
        return f"{self.base_url}/ap/posts/{slug}.json"

    def tag_url(self, tag: str) -> str:
        return f"{self.base_url}/tags/{quote(tag)}/"

    def static_url(self, relative: str) -> str:
        return f"{self.base_url}/{relative.lstrip('/')}"

    @property
    def content_dir(self) -> Path:
        return self.root / "content" / "posts"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def key_path(self) -> Path:
        return self.root / ".keys" / "private.pem"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".fedipress-cache"

    @property
    def interactions_path(self) -> Path:
        return self.root / "data" / "interactions.json"


def load_site(root: Path, *, base_url: str | None = None) -> Site:
    """Read and check `<root>/fedipress.toml`; every mistake names file:line."""
    path = root / CONFIG_NAME
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no {CONFIG_NAME} here (run `fedipress init {root}`)",
                          path=str(root)) from None
    shown = str(path)
    config = load_toml_text(text, SiteConfig, path=shown)
    if base_url:
        config = msgspec.structs.replace(config, base_url=base_url)

    def fail(reason: str, *keys: str) -> ConfigError:
        return ConfigError(reason, path=shown, line=line_of_key(text, list(keys)))

    base, host = _check_url(config.base_url, lambda r: fail(f"base_url {r}", "base_url"))
    if config.inbox_url:
        _check_url(config.inbox_url, lambda r: fail(f"inbox_url {r}", "inbox_url"),
                   allow_path=True)
    if not _USERNAME.match(config.username):
        raise fail("username must be 1-64 of a-z, 0-9, _", "username")
    for code in config.emoji:
        if not _SHORTCODE.match(code):
            raise fail(f"emoji shortcode {code!r} must be 2-64 of A-Z, a-z, 0-9, _", "emoji", code)
    for key in ("avatar", "header"):
        value = getattr(config, key)
        if value and not (root / "static" / value).is_file():
            raise fail(f"{key} {value!r} not found under static/", key)
    for code, image in config.emoji.items():
        if not (root / "static" / image).is_file():
            raise fail(f"emoji {code!r} image {image!r} not found under static/", "emoji", code)
    return Site(root=root, config=config, base_url=base, host=host)


def _check_url(value: str, fail, *, allow_path: bool = False) -> tuple[str, str]:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail("must be an http(s) URL like https://blog.example")
    if (parts.path not in ("", "/") and not allow_path) or parts.query or parts.fragment:
        raise fail("must be the site root, without a path")
    host = parts.hostname.lower()
    if parts.port and parts.port != {"http": 80, "https": 443}[parts.scheme]:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}", host
