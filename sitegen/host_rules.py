"""What a host must do beyond serving files, decided from plain data.

Three rules a static file server cannot follow alone; `fedipress serve` applies them through
`route`, and the snippets in `sitegen.content_types` teach nginx, Caddy, Apache and Netlify
the same:

- **Content negotiation:** a request for the home page or a post page that asks for
  ActivityPub (`Accept: application/activity+json` or `application/ld+json`) gets the actor or
  the post's document. Pasting either URL into a server's search then finds the blog.
- **WebFinger for the blog's own account only:** `resource=acct:user@host` (or the actor's or
  profile's URL) answers; any other resource is a 404, as Mastodon and GoToSocial expect.
- **Deleted posts are gone:** the page of a post whose document is now a `Tombstone`
  answers 410.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

GONE_LIST = "_fedipress/gone.txt"  # one slug a line, written by the build
WEBFINGER = "/.well-known/webfinger"
_POST_PAGE = re.compile(r"^/posts/(?P<slug>[a-z0-9][a-z0-9-]*)/?(?:index\.html)?$")
_AP_MEDIA = ("application/activity+json", "application/ld+json")


@dataclass(frozen=True)
class SiteRules:
    resources: frozenset[str]  # WebFinger resources that name the blog
    gone: frozenset[str]  # slugs of deleted posts


@dataclass(frozen=True)
class Route:
    status: int  # 200: serve `path`; 404/410: answer that
    path: str


def wants_activity_json(accept: str | None) -> bool:
    if not accept:
        return False
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if media.lower() in _AP_MEDIA and "q=0" not in [p.replace(" ", "") for p in params]:
            return True
    return False


def route(rules: SiteRules, path: str, query: str, accept: str | None) -> Route:
    """Where a GET goes: the file path to serve, or the status to answer."""
    if path == WEBFINGER:
        asked = parse_qs(query).get("resource", [""])[0]
        return Route(200, path) if asked in rules.resources else Route(404, path)
    post = _POST_PAGE.match(path)
    if wants_activity_json(accept):
        if path in ("", "/", "/index.html"):
            return Route(200, "/ap/actor.json")
        if post:
            return Route(200, f"/ap/posts/{post['slug']}.json")
    if post and post["slug"] in rules.gone:
        return Route(410, path)
    return Route(200, path)


def rules_from_output(out_dir: Path) -> SiteRules:
    """The rules of a built folder: the WebFinger file names the account, the gone list the
    deleted posts. A folder without them gets rules that change nothing."""
    resources: set[str] = set()
    try:
        jrd = json.loads((out_dir / ".well-known" / "webfinger").read_text("utf-8"))
        resources.add(str(jrd["subject"]))
        resources.update(str(alias) for alias in jrd.get("aliases", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    try:
        gone = frozenset(line.strip() for line in
                         (out_dir / GONE_LIST).read_text("utf-8").splitlines() if line.strip())
    except OSError:
        gone = frozenset()
    return SiteRules(frozenset(resources), gone)
