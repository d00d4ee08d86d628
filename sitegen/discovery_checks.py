"""The discovery part of `fedipress check`: can people find and follow the blog?

Pasting the home page or a post URL into a server's search must find the blog (a
`rel=alternate` link, and on a deployed site content negotiation); WebFinger must answer only
for the blog's account; the actor must say it may be indexed and where `fediverse:creator` may
name it; pages must carry link-preview tags. Each failure names the host setting to add.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser

from sitegen.site_checks import Fetched, _Checker, alternate_activity_links

#: (url, Accept) -> Fetched: what a remote server's request looks like. URL mode only.
Negotiate = Callable[[str, str], Fetched]
AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
SNIPPETS = ("_fedipress/nginx.conf, _fedipress/Caddyfile or the .htaccess the build wrote "
            "(Netlify and GitHub Pages cannot do this: the rel=alternate links must do)")


class _MetaFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            found = {k.lower(): v or "" for k, v in attrs}
            key = found.get("property") or found.get("name")
            if key and key not in self.meta:
                self.meta[key] = found.get("content", "")


def page_meta(html: str) -> dict[str, str]:
    finder = _MetaFinder()
    finder.feed(html)
    return finder.meta


def check_discovery(c: _Checker, acct: str, actor: dict, post_urls: list[str],
                    negotiate: Negotiate | None) -> None:
    """Add the discovery findings to ``c``; ``negotiate`` given only for a deployed site."""
    _actor_flags(c, acct, actor)
    home = f"{c.base}/"
    got = c.get("home page", home, ("text/html",))
    if got is not None:
        body = got.body.decode("utf-8", errors="replace")
        if actor["id"] not in alternate_activity_links(body):
            c.fail("home page", home, "no <link rel=\"alternate\" type=\"application/activity+"
                   f"json\" href=\"{actor['id']}\">: pasting the blog's URL finds nothing")
        else:
            c.ok("home page", home, "links the actor by rel=alternate")
        _preview_tags(c, home, body, acct)
    for url in post_urls[:1]:
        page = c.get("previews", url, ("text/html",))
        if page is not None:
            _preview_tags(c, url, page.body.decode("utf-8", errors="replace"), acct)
    if negotiate is None:
        return
    _negotiation(c, negotiate, home, actor["id"], "home page")
    for url, post_id in _post_pairs(c, post_urls):
        _negotiation(c, negotiate, url, post_id, "post page")
    _webfinger_only_ours(c, negotiate, acct)


def _actor_flags(c: _Checker, acct: str, actor: dict) -> None:
    url = actor["id"]
    host = c.host.split(":")[0]
    problems = []
    for key in ("discoverable", "indexable"):
        if not isinstance(actor.get(key), bool):
            problems.append(f"`{key}` is missing (Mastodon's search and directory skip the "
                            "account); set it in fedipress.toml")
    domains = actor.get("attributionDomains")
    if not isinstance(domains, list) or host not in domains:
        problems.append(f"attributionDomains does not list {host!r}: Mastodon ignores this "
                        "site's fediverse:creator tags")
    if actor.get("webfinger") != f"acct:{acct}":
        problems.append(f"webfinger (FEP-2c59) is {actor.get('webfinger')!r}, not 'acct:{acct}'")
    for problem in problems:
        c.fail("discovery", url, problem)
    if not problems:
        c.ok("discovery", url, f"discoverable={actor['discoverable']}, "
             f"indexable={actor['indexable']}, attributionDomains={domains}")


def _preview_tags(c: _Checker, url: str, html: str, acct: str) -> None:
    meta = page_meta(html)
    missing = [key for key in ("description", "og:title", "og:description", "og:url",
                               "fediverse:creator") if not meta.get(key)]
    if meta.get("og:image") and not meta.get("og:image:alt"):
        missing.append("og:image:alt")
    if missing:
        c.fail("previews", url, f"missing {', '.join(missing)}: link previews will be poor")
    elif meta["fediverse:creator"].lstrip("@") != acct:
        c.fail("previews", url, f"fediverse:creator is {meta['fediverse:creator']!r}, "
               f"not @{acct}")
    else:
        c.ok("previews", url, "description, OpenGraph and fediverse:creator tags")


def _post_pairs(c: _Checker, post_urls: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for url in post_urls[:1]:
        got = c.fetch(url)
        links = alternate_activity_links(got.body.decode("utf-8", errors="replace"))
        if got.status == 200 and links:
            pairs.append((url, links[0]))
    return pairs


def _negotiation(c: _Checker, negotiate: Negotiate, url: str, expected_id: str,
                 what: str) -> None:
    got = negotiate(url, AP_ACCEPT)
    media = got.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        doc = json.loads(got.body) if got.status == 200 else None
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("id") == expected_id and media in (
            "application/activity+json", "application/ld+json"):
        c.ok("negotiate", url, f"Accept: application/activity+json -> {expected_id}")
        return
    c.fail("negotiate", url, f"the {what} answers a server asking for ActivityPub with HTTP "
           f"{got.status} {media or 'no type'}, not {expected_id}: add the content-negotiation"
           f" rules from {SNIPPETS}")


def _webfinger_only_ours(c: _Checker, negotiate: Negotiate, acct: str) -> None:
    host = acct.rsplit("@", 1)[1]
    other = f"acct:fedipress-check-nobody@{host}"
    url = f"{c.base}/.well-known/webfinger?resource={other}"
    got = negotiate(url, "application/jrd+json")
    if got.status == 404:
        c.ok("webfinger", url, "other accounts are not found (404)")
        return
    c.fail("webfinger", url, f"answers HTTP {got.status} for an account that does not exist: "
           f"servers would take any name here for this blog; restrict WebFinger to "
           f"acct:{acct} with the rules from {SNIPPETS}")
