"""`fedipress init` and `fedipress new`: starting a site and starting a post."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fedicore.errors import FedipressError
from sitegen.config import CONFIG_NAME

STARTER_CONFIG = '''\
# Fedipress site settings; every key is explained in docs/publisher.md.
base_url = "{base_url}"
username = "{username}"
display_name = "{display_name}"
bio = "A blog that is also a fediverse account."
language = "en"
# Where `fedipress inbox serve` answers (follows, replies, likes).
inbox_url = "{inbox_url}"
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
    """Create a minimal site; refuses to overwrite an existing config."""
    config = root / CONFIG_NAME
    if config.exists():
        raise FedipressError("already a site (fedipress.toml exists)", path=str(config))
    for folder in ("content/posts", "static", "templates", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    config.write_text(STARTER_CONFIG.format(base_url=base_url, username=username,
                                            display_name=display_name, inbox_url=inbox_url),
                      "utf-8")
    post = root / "content" / "posts" / "hello-fediverse.md"
    post.write_text(FIRST_POST.format(date=_now()), "utf-8")
    (root / ".gitignore").write_text("_site/\n.fedipress-cache/\n.keys/\n", "utf-8")
    return [config, post]


def new_post(root: Path, title: str, *, draft: bool = True) -> Path:
    """A new post file named after its title; never overwrites."""
    if not (root / CONFIG_NAME).is_file():
        raise FedipressError(f"no {CONFIG_NAME} here (use --site DIR)", path=str(root))
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "post"
    path = root / "content" / "posts" / f"{slug}.md"
    if path.exists():
        raise FedipressError("a post with this name already exists", path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')
    lines = ["+++", *([f'title = "{escaped}"'] if title else []), f"date = {_now()}",
             f"draft = {'true' if draft else 'false'}", "tags = []", "+++", "", ""]
    path.write_text("\n".join(lines), "utf-8")
    return path


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
