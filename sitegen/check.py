"""`fedipress check`: look at a built folder or a deployed site the way Mastodon would.

The checks themselves (`sitegen.site_checks`) only see a `fetch(url) -> Fetched` function; this
module is the two edges that feed them and the report: the folder fetcher reuses `fedipress
serve`'s path resolution and content types, the URL fetcher uses httpx without following redirects.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.content_types import content_type_for
from sitegen.serve import resolve_request_path
from sitegen.site_checks import (  # noqa: F401 - these names are imported from here too
    ACTOR_TYPES,
    MAX_PAGES,
    MAX_POSTS,
    Fetch,
    Fetched,
    Finding,
    alternate_activity_links,
    check_documents,
)


# --- the two edges: a folder on disk, a live site ------------------------------------------

def folder_fetcher(out_dir: Path, base_url: str) -> Fetch:
    """Answer URLs under `base_url` from files, as `fedipress serve` would."""
    base = base_url.rstrip("/")

    def fetch(url: str) -> Fetched:
        if not (url == base or url.startswith(base + "/")):
            return Fetched(url, 0, body=f"{url} is outside {base}".encode())
        found = resolve_request_path(out_dir, url[len(base):] or "/")
        if found is None:
            return Fetched(url, 404)
        file, relative = found
        return Fetched(url, 200, {"content-type": content_type_for(relative)}, file.read_bytes())

    return fetch


def base_url_of_folder(out_dir: Path) -> str | None:
    """The site URL, read from the WebFinger file's self link (`…/ap/actor.json`)."""
    try:
        jrd = json.loads((out_dir / ".well-known" / "webfinger").read_text("utf-8"))
        href = next(link["href"] for link in jrd["links"] if link.get("rel") == "self")
    except (OSError, ValueError, KeyError, StopIteration, TypeError, AttributeError):
        return None
    if isinstance(href, str) and href.endswith("/ap/actor.json"):
        return href.removesuffix("/ap/actor.json")
    parts = urlsplit(str(href))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None


MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # decoded, per fetched document
DOCUMENT_DEADLINE = 30.0  # seconds per whole document


def url_fetcher(client) -> Fetch:
    """Fetch with an httpx.Client that does not follow redirects; gzip/deflate decoded under
    a bound on the decoded size and a whole-document deadline (``sitegen.http_read``)."""
    import time

    import httpx

    from sitegen.http_read import ACCEPT_ENCODING, BodyProblem, read_body

    def fetch(url: str) -> Fetched:
        path = urlsplit(url).path
        accept = ("application/activity+json" if "/ap/" in path or path.endswith("/followers") else
                  "application/jrd+json, application/json;q=0.9, */*;q=0.5")
        deadline = time.monotonic() + DOCUMENT_DEADLINE
        try:
            response = client.send(client.build_request(
                "GET", url, headers={"Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}),
                stream=True)
        except httpx.HTTPError as exc:
            return Fetched(url, 0, body=f"{type(exc).__name__}: {exc}".encode())
        try:
            body = read_body(response, limit=MAX_DOCUMENT_BYTES, deadline=deadline)
        finally:
            response.close()
        if isinstance(body, BodyProblem):
            return Fetched(url, 0, body=body.detail.encode())
        return Fetched(url, response.status_code,
                       {k.lower(): v for k, v in response.headers.items()}, body)

    return fetch


def negotiating_fetcher(client):
    """(url, Accept) -> Fetched: a request as a remote server makes it."""
    import httpx

    def negotiate(url: str, accept: str) -> Fetched:
        try:
            response = client.get(url, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            return Fetched(url, 0, body=f"{type(exc).__name__}: {exc}".encode())
        return Fetched(url, response.status_code,
                       {k.lower(): v for k, v in response.headers.items()}, response.content)

    return negotiate


def print_report(target: str, findings: list[Finding]) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]fedipress check[/] {escape(target)}")
    for f in findings:
        mark = "[green]ok  [/]" if f.ok else "[red]FAIL[/]"
        console.print(f"{mark} {f.check:<10} {escape(f.url)}\n       {escape(f.message)}")
    failed = sum(not f.ok for f in findings)
    summary = (f"[green]{len(findings)} checks passed[/]" if not failed else
               f"[red]{failed} of {len(findings)} checks failed[/]")
    console.print(summary)


def run_check(target: str) -> int:
    """Check a built folder (path) or a deployed site (http/https URL); 0 when all pass."""
    import sys

    if target.startswith(("http://", "https://")):
        import httpx

        base = target.rstrip("/")
        with httpx.Client(follow_redirects=False, timeout=15,
                          headers={"User-Agent": "fedipress-check"}) as client:
            findings = check_documents(url_fetcher(client), base, check_types=True,
                                       negotiate=negotiating_fetcher(client))
    else:
        out_dir = Path(target)
        if not out_dir.is_dir():
            print(f"error: {target}: not a folder or an http(s) URL", file=sys.stderr)
            return 2
        base = base_url_of_folder(out_dir)
        if base is None:
            print(f"error: {target}: no readable .well-known/webfinger with a self link; "
                  "is this a built site?", file=sys.stderr)
            return 1
        findings = check_documents(folder_fetcher(out_dir, base), base, check_types=False)
    print_report(target, findings)
    return 1 if any(not f.ok for f in findings) or not findings else 0
