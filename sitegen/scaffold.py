"""`fedipress init` and `fedipress new`: starting a site and starting a post."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fedicore.errors import ConfigError, FedipressError
from sitegen.config import CONFIG_NAME, url_problem, username_problem
from sitegen.posts import BUNDLE_INDEX, slugify

STARTER_CONFIG = '''\
# Fedipress site settings; every key is explained in docs/publisher.md.
base_url = {base_url}
username = {username}
display_name = {display_name}
bio = "A blog that is also a fediverse account."
language = "en"
# Where `fedipress inbox serve` answers (follows, replies, likes).
inbox_url = {inbox_url}
posts_per_page = 10
'''

FIRST_POST = '''\
+++
title = "Hello, fediverse"
date = {date}
tags = ["meta"]
+++

This blog can be followed from Mastodon and friends. #introductions
'''


def init_site(root: Path, *, base_url: str, username: str, display_name: str,
              inbox_url: str) -> list[Path]:
    """Create a minimal site; refuses to overwrite an existing config.

    base_url, username and inbox_url pass the rules the build applies (`sitegen.config`)."""
    for key, problem in (("base_url", url_problem(base_url)),
                         ("inbox_url", url_problem(inbox_url, allow_path=True)),
                         ("username", username_problem(username))):
        if problem:
            raise ConfigError(f"--{key.replace('_', '-')} {problem}")
    config = root / CONFIG_NAME
    if config.exists():
        raise FedipressError("already a site (fedipress.toml exists)", path=str(config))
    for folder in ("content/posts", "static", "templates", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    values = {"base_url": base_url, "username": username, "display_name": display_name,
              "inbox_url": inbox_url}
    config.write_text(STARTER_CONFIG.format(**{key: _toml_string(value)
                                               for key, value in values.items()}), "utf-8")
    post = root / "content" / "posts" / "hello-fediverse.md"
    post.write_text(FIRST_POST.format(date=_now()), "utf-8")
    (root / ".gitignore").write_text("_site/\n.fedipress-cache/\n.keys/\n", "utf-8")
    return [config, post]


def new_post(root: Path, title: str, *, draft: bool = True,
             now: dt.datetime | None = None) -> Path:
    """A new post file named after its title (an untitled note after the time); never
    overwrites: a name already taken gets -2, -3 ..."""
    if not (root / CONFIG_NAME).is_file():
        raise ConfigError(f"no {CONFIG_NAME} here (use --site DIR)", path=str(root))
    now = now or dt.datetime.now(dt.timezone.utc)
    slug = slugify(title) or f"note-{now:%Y%m%d-%H%M%S}"
    posts = root / "content" / "posts"
    path, number = posts / f"{slug}.md", 1
    while path.exists() or (posts / path.stem / BUNDLE_INDEX).exists():
        number += 1
        path = posts / f"{slug}-{number}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')
    lines = ["+++", *([f'title = "{escaped}"'] if title else []), f"date = {_now()}",
             f"draft = {'true' if draft else 'false'}", "tags = []", "+++", "", ""]
    path.write_text("\n".join(lines), "utf-8")
    return path


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for these characters)."""
    return json.dumps(value, ensure_ascii=False)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
