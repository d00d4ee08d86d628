"""`fedipress.toml`: the typed site config and the URLs derived from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
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
    announce: bool = False  # ask the inbox's announcements actor, if it runs one, to introduce the blog
    discoverable: bool = True
    indexable: bool = True
    object_type: Literal["auto", "note", "article"] = "auto"
    attribution_domains: list[str] = []
    also_known_as: list[str] = []  # actor URLs of the author's other accounts (moving in)
    moved_to: str | None = None  # the actor URL of the account this blog moved to
    rel_me: list[str] = []
    fediverse_creator: str | None = None
    fields: list[ProfileField] = []
    emoji: dict[str, str] = {}
    quote_policy: Literal["public", "followers", "nobody"] = "public"  # who may quote posts
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
    def proof_key_path(self) -> Path:
        """The Ed25519 key of object integrity proofs (sitegen.proofs), beside the RSA key."""
        return self.root / ".keys" / "ed25519.pem"

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
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text (save it as UTF-8)", path=str(path)) from None
    except IsADirectoryError:
        raise ConfigError("is a folder, not a file", path=str(path)) from None
    text = text.replace("\r\n", "\n")
    shown = str(path)
    config = load_toml_text(text, SiteConfig, path=shown)
    if base_url:
        config = msgspec.structs.replace(config, base_url=base_url)

    def fail(reason: str, *keys: str) -> ConfigError:
        return ConfigError(reason, path=shown, line=line_of_key(text, list(keys)))

    problem = url_problem(config.base_url)
    if problem:
        raise fail(f"base_url {problem}", "base_url")
    base, host = site_root_url(config.base_url)
    if config.inbox_url and (problem := url_problem(config.inbox_url, allow_path=True)):
        raise fail(f"inbox_url {problem}", "inbox_url")
    if problem := username_problem(config.username):
        raise fail(f"username {problem}", "username")
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


# The rules `fedipress init` and the build share: what one accepts, the other accepts.

def url_problem(value: str, *, allow_path: bool = False) -> str | None:
    """Why ``value`` is not a usable base_url (or inbox_url, which may have a path)."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "must be an http(s) URL like https://blog.example"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL like https://blog.example"
    if (parts.path not in ("", "/") and not allow_path) or parts.query or parts.fragment:
        return "must be the site root, without a path"
    if port == 0:
        return "has port 0"
    return None


def username_problem(value: str) -> str | None:
    """Why ``value`` cannot be the `me` in `@me@blog.example`."""
    if not _USERNAME.match(value):
        return "must be 1-64 of a-z, 0-9, _ (like alice_1)"
    return None


def site_root_url(value: str) -> tuple[str, str]:
    """(site URL without a trailing slash, host with a non-default port) of a checked URL."""
    parts = urlsplit(value)
    host = parts.hostname.lower()
    if parts.port and parts.port != {"http": 80, "https": 443}[parts.scheme]:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}", host
