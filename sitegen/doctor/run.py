"""The order of a doctor's visit, and what each mode looks at.

``fedipress doctor SITE|URL`` looks at everything: TLS, the deployed site as ``check`` does,
the inbox the actor names, the clocks, and (with the site folder, whose key signs the request)
a live follow round trip. ``--peer``/``--host`` and ``--post`` look only at that one thing
(and the clocks, which explain a refused signed request).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from fedicore.errors import ConfigError
from sitegen.doctor import renderers
from sitegen.doctor.peer import run_peer
from sitegen.doctor.report import Report
from sitegen.doctor.site import check_clock, check_inbox, check_site, check_tls
from sitegen.doctor.trip import run_trip

USER_AGENT = "fedipress-doctor"


@dataclass
class Visit:
    target: str
    peer: str | None = None
    host: str | None = None
    post: str | None = None
    wait: float = 30.0
    round_trip: bool = True
    clock: Callable[[], float] = time.time


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def resolve(target: str) -> tuple[str, Any]:
    """(base URL, Site or None) of a site folder or an http(s) URL; ConfigError otherwise."""
    if target.startswith(("http://", "https://")):
        return target.rstrip("/"), None
    from sitegen.config import CONFIG_NAME, load_site

    root = Path(target)
    if not (root / CONFIG_NAME).is_file():
        raise ConfigError(f"{target}: not a site folder (no {CONFIG_NAME}) or an http(s) URL")
    site = load_site(root)
    return site.base_url.rstrip("/"), site


def diagnose(visit: Visit) -> Report:
    if visit.peer and visit.host:
        raise ConfigError("give --peer or --host, not both")
    if visit.peer and visit.peer.strip("@").count("@") != 1:
        raise ConfigError(f"--peer {visit.peer!r}: expected @user@host")
    base, site = resolve(visit.target)
    report = Report(visit.target)
    focused = bool(visit.peer or visit.host or visit.post)
    with httpx.Client(follow_redirects=False, timeout=15, trust_env=False,
                      headers={"User-Agent": USER_AGENT}) as http:
        actor = None
        if not focused:
            check_tls(report, base, "site")
            if site and _origin(site.inbox_base) != _origin(base):
                check_tls(report, site.inbox_base, "inbox")
            actor = check_site(report, http, base, site.actor_id if site else None)
        inbox_base = site.inbox_base if site else (
            _origin(actor["inbox"]) if actor and isinstance(actor.get("inbox"), str) else None)
        if not focused and not site and inbox_base and _origin(inbox_base) != _origin(base):
            check_tls(report, inbox_base, "inbox")
        if actor is not None:
            handle = site.handle if site else f"@{actor.get('preferredUsername')}@{urlsplit(base).netloc}"
            check_inbox(report, http, actor, site.inbox if site else None, handle)
        skew = check_clock(report, http, inbox_base, visit.clock) if inbox_base and \
            (not focused or visit.peer or visit.host) else None
        if visit.post:
            _post(report, http, base, site, visit.post)
    if site is None:
        if not visit.post:
            report.add("round trip", None, "not run: give the site folder instead of its URL (its "
                       "key signs the request to the inbox)")
        return report
    if visit.peer or visit.host or (not focused and visit.round_trip):
        from sitegen.social.client import InboxClient

        with InboxClient(site, timeout=visit.wait + 30, clock=visit.clock) as client:
            if visit.peer or visit.host:
                run_peer(report, client, who=visit.peer, host=visit.host, skew=skew)
            else:
                run_trip(report, client, wait=visit.wait, skew=skew)
    return report


def _post(report: Report, http: httpx.Client, base: str, site: Any, slug: str) -> None:
    url = f"{base}/ap/posts/{slug}.json"
    doc, where = None, url
    try:
        answer = http.get(url, headers={"Accept": "application/activity+json"})
        if answer.status_code == 200:
            doc = answer.json()
    except (httpx.HTTPError, ValueError):
        doc = None
    if doc is None and site is not None:
        local = site.root / "_site" / "ap" / "posts" / f"{slug}.json"
        if local.is_file():
            doc, where = json.loads(local.read_text("utf-8")), str(local)
            report.add("post", False, f"{url} is not online; showing the local build {local}",
                       "deploy the latest build (fedipress build, then upload _site)", url=url)
    if not isinstance(doc, dict):
        report.add("post", False, f"no post {slug!r} at {url}",
                   "the slug is the post file's name without .md; is it built and deployed?", url=url)
        return
    report.add("post", True, f"{slug} federates as {renderers.form_of(doc)}", url=where)
    broken = renderers.relative_links(doc)
    if broken:
        report.add("post", False, f"links that are not absolute: {', '.join(broken[:3])}",
                   "remote servers cannot follow them: rebuild with the current fedipress "
                   "(it makes every federated link absolute)", url=where)
    for renderer, text in renderers.views(doc).items():
        report.sections[f"on {renderer}"] = text
