"""The Jinja2 theme: package templates, overridable file by file from `<site>/templates/`.

Built once per process; templates are compiled on first use and kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import (ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader,
                    StrictUndefined, select_autoescape)

from sitegen.config import Site

THEME_DIR = Path(__file__).parent / "theme"
TEMPLATES_DIR = THEME_DIR / "templates"


def environment(site: Site) -> Environment:
    loaders = []
    if site.templates_dir.is_dir():
        loaders.append(FileSystemLoader(str(site.templates_dir)))
    loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
    bytecode = site.cache_dir / "jinja"
    bytecode.mkdir(parents=True, exist_ok=True)
    env = Environment(
        bytecode_cache=FileSystemBytecodeCache(str(bytecode)),  # compiled once, not per build
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["human_date"] = human_date
    env.filters["counted"] = counted
    return env


class View(dict):
    """A dict a template reads as ``post.title``: its keys are also its attributes, so Jinja's
    attribute lookup finds them at once instead of failing on a plain dict first and then
    asking for the item (~80 reads make a post page: a quarter of its render). Still a dict
    (``post["title"]``, ``.items()``, ``in``); never changed after it is made. A key named like
    a dict method (``items``, ``get``) is left to the method, as Jinja reads a plain dict."""

    def __init__(self, items: dict) -> None:
        super().__init__(items)
        if _DICT_NAMES.isdisjoint(items):
            self.__dict__.update(items)
        else:
            self.__dict__.update({k: v for k, v in items.items() if k not in _DICT_NAMES})


_DICT_NAMES = frozenset(dir(dict))


def site_context(site: Site, bio_html: str) -> View:
    """What every template sees as ``site``."""
    config = site.config
    return View({
        "title": site.site_title,
        "base_url": site.base_url,
        "language": config.language,
        "author": config.display_name or config.username,
        "handle": site.handle,
        "bio_html": bio_html,
        "avatar": f"/{config.avatar}" if config.avatar else None,
        "rel_me": list(config.rel_me),
        "fediverse_creator": config.fediverse_creator or site.handle,
        "actor_id": site.actor_id,
        "feed_url": f"{site.base_url}/feed.xml",
        "fields": [(f.name, f.value) for f in config.fields],
        "acct": site.acct,
        "has_about": (site.root / "content" / "about.md").is_file(),
        "description": _plain(bio_html) or site.site_title,
        "avatar_url": site.static_url(config.avatar) if config.avatar else None,
    })


def _plain(fragment: str) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`1 like`, `2 likes`, `0 replies`: a count with the right form of its noun."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def human_date(value: str) -> str:
    """`2024-05-01T10:00:00Z` -> `1 May 2024`."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return f"{moment.day} {moment:%B %Y}"
