"""The deployed site and its inbox as a remote server meets them: every check of
``fedipress check`` (``sitegen.site_checks``, reused as is), each failure given its fix; the
TLS certificates; this computer's clock against the inbox's; and whether the inbox the actor
names answers as this blog's Fedipress inbox."""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from sitegen.check import negotiating_fetcher, url_fetcher
from sitegen.doctor.report import Report
from sitegen.site_checks import check_documents

HOST_RULES = ("add the rules the build wrote to your web host: _site/_fedipress/nginx.conf, "
              "_fedipress/Caddyfile, .htaccess or _headers (see docs/publisher.md)")
CLOCK_WARN = 60.0  # seconds: more than this means the clock is not being synchronised
SIGNATURE_WINDOW = 3600.0  # our inbox and Mastodon refuse signatures dated further off
CERT_DAYS = 14


def fix_for(check: str, message: str) -> str:
    """The fix for one ``fedipress check`` failure, in words an author can act on."""
    if message.startswith("served as"):
        return "the web host sends the wrong Content-Type for this file; " + HOST_RULES
    if message.startswith("could not fetch"):
        where = "the inbox (fedipress inbox serve)" if check == "followers" else "the site"
        return f"is {where} online at this address? check base_url and inbox_url in fedipress.toml"
    if message.startswith("redirects"):
        return ("serve the document at exactly this URL: base_url must be the final address "
                "(with or without www, https), then rebuild and deploy")
    if message.startswith("HTTP 404"):
        return "deploy the whole built folder, .well-known/ included (fedipress build, then upload _site)"
    if message.startswith("HTTP"):
        return "the web host refuses this file: check its access rules and logs"
    if "is served at" in message or "id is" in message:
        return "base_url in fedipress.toml must be the address the site is served at; rebuild and deploy"
    if "fedipress.toml" in message or "rules from" in message:
        return "as the finding says"
    return "rebuild (fedipress build) and deploy again; if it stays, report it with this output"


AP_TYPES = ("application/activity+json", "application/ld+json")


def check_site(report: Report, client: httpx.Client, base: str,
               actor_url: str | None = None) -> dict[str, Any] | None:
    """Add ``check``'s findings (with fixes); return the actor document when it was readable.
    ``actor_url`` (known from the site folder) is looked at even when WebFinger fails, which
    stops ``check`` before the actor."""
    found = check_documents(url_fetcher(client), base, check_types=True,
                            negotiate=negotiating_fetcher(client))
    checked = None
    for f in found:
        report.add("site", f.ok, f"{f.check}: {f.message}", fix_for(f.check, f.message), url=f.url)
        if f.check == "actor":
            checked = f.url if f.ok else ""
    if checked == "" or (checked is None and actor_url is None):
        return None
    got = url_fetcher(client)(checked or actor_url or "")
    try:
        actor = json.loads(got.body) if got.status == 200 else None
    except ValueError:
        actor = None
    if checked is None:  # check never reached the actor: say what a server would meet there
        media = got.headers.get("content-type", "").split(";")[0].strip().lower()
        if got.status != 200:
            message = f"HTTP {got.status}" if got.status else \
                f"could not fetch: {got.body.decode(errors='replace')}"
            report.add("site", False, f"actor: {message}", fix_for("actor", message), url=actor_url)
            return None
        if media not in AP_TYPES:
            message = f"served as {got.headers.get('content-type')!r}, expected {AP_TYPES[0]}"
            report.add("site", False, f"actor: {message}", fix_for("actor", message), url=actor_url)
        else:
            report.add("site", True, f"actor: served as {media}", url=actor_url)
    return actor if isinstance(actor, dict) else None


def check_inbox(report: Report, client: httpx.Client, actor: dict[str, Any],
                expected_inbox: str | None, handle: str) -> None:
    """Does the inbox the actor names reach this blog's Fedipress inbox?"""
    inbox = actor.get("inbox")
    if not isinstance(inbox, str):
        return
    if expected_inbox and inbox != expected_inbox:
        report.add("inbox", False, f"the deployed actor's inbox is {inbox}, but fedipress.toml "
                   f"makes it {expected_inbox}", "rebuild (fedipress build) and deploy: the "
                   "deployed actor is stale, or inbox_url changed", url=inbox)
    started = time.perf_counter()
    try:
        answer = client.post(inbox, content=b"{}", headers={"Content-Type": "application/activity+json"})
    except httpx.HTTPError as exc:
        report.add("inbox", False, f"the actor's inbox {inbox} cannot be reached: "
                   f"{type(exc).__name__}: {exc}".rstrip(": "),
                   "start the inbox (fedipress inbox serve, or its service) and make inbox_url in "
                   "fedipress.toml its public address; then rebuild and deploy", url=inbox)
        return
    ms = (time.perf_counter() - started) * 1000
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if answer.status_code == 401 and error:
        report.add("inbox", True, f"{inbox} answers as a Fedipress inbox that knows {handle} "
                   "(an unsigned test delivery is refused with 401, as it must be)", url=inbox, ms=ms)
    elif answer.status_code in (404, 410) and error in ("unknown_actor", "gone"):
        report.add("inbox", False, f"the inbox at {inbox} does not know {handle} ({error})",
                   "register the blog with its inbox: fedipress register SITE", url=inbox, ms=ms)
    else:
        kind = answer.headers.get("content-type", "no type")
        report.add("inbox", False, f"something other than a Fedipress inbox answers at {inbox} "
                   f"(HTTP {answer.status_code}, {kind})", "inbox_url in fedipress.toml must be the "
                   "inbox's public address (the proxy must pass /v1/ to it)", url=inbox, ms=ms)


def check_clock(report: Report, client: httpx.Client, inbox_base: str,
                clock: Callable[[], float]) -> float | None:
    """This computer's clock against the inbox's (its HTTP ``Date``); the skew in seconds,
    positive when this computer is ahead."""
    url = f"{inbox_base}/healthz"
    sent = clock()
    try:
        answer = client.get(url)
    except httpx.HTTPError as exc:
        report.add("clock", False, f"the inbox at {inbox_base} cannot be reached to compare clocks:"
                   f" {type(exc).__name__}: {exc}".rstrip(": "),
                   "start the inbox (fedipress inbox serve) or correct inbox_url", url=url)
        return None
    received = clock()
    try:
        theirs = parsedate_to_datetime(answer.headers["date"]).timestamp()
    except (KeyError, TypeError, ValueError):
        report.add("clock", None, f"{url} sends no Date header: clocks not compared", url=url)
        return None
    skew = (sent + received) / 2 - theirs
    side = "ahead of" if skew > 0 else "behind"
    words = f"this computer's clock is {abs(skew):.0f} s {side} the inbox's"
    if abs(skew) >= SIGNATURE_WINDOW:
        report.add("clock", False, words + ": signed requests between them are refused (the "
                   "window is one hour)", "turn on time synchronisation on the machine whose clock "
                   "is wrong (timedatectl set-ntp true), then run doctor again", url=url)
    elif abs(skew) >= CLOCK_WARN:
        report.add("clock", False, words + ": not synchronised; past one hour signatures fail",
                   "turn on time synchronisation (timedatectl set-ntp true)", url=url)
    else:
        report.add("clock", True, f"clocks agree within {max(abs(skew), 1):.0f} s", url=url)
    return skew


def check_tls(report: Report, url: str, what: str, *, now: float | None = None) -> None:
    """An https address must have a certificate every server trusts, not about to expire."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https":
        local = host in ("localhost", "127.0.0.1", "::1")
        report.add("tls", None if local else False,
                   f"{what} {url} is plain http" + (" (fine on this machine)" if local else
                                                    ": servers on the fediverse expect https"),
                   "serve it over https (Caddy does certificates itself; or certbot with nginx) "
                   "and set the https:// address in fedipress.toml", url=url)
        return
    port = parts.port or 443
    started = time.perf_counter()
    context = ssl.create_default_context()
    try:
        with socket.create_connection((host, port), timeout=10) as sock, \
                context.wrap_socket(sock, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        report.add("tls", False, f"{what} {host}: the certificate is not trusted "
                   f"({exc.verify_message})", "install a certificate from a public authority "
                   f"(Let's Encrypt) for {host}, with its full chain", url=url)
        return
    except (OSError, ssl.SSLError) as exc:
        report.add("tls", False, f"{what} {host}:{port}: no TLS connection ({exc})",
                   "is the web server listening for https on this port?", url=url)
        return
    ms = (time.perf_counter() - started) * 1000
    expires = ssl.cert_time_to_seconds(cert["notAfter"]) if cert.get("notAfter") else None
    days = None if expires is None else (expires - (now or time.time())) / 86400
    if days is not None and days < CERT_DAYS:
        report.add("tls", False, f"{what} {host}: the certificate expires in {days:.0f} days",
                   "renew it (certbot renew; Caddy renews by itself: is it running?)", url=url, ms=ms)
    else:
        left = f", {days:.0f} days left" if days is not None else ""
        report.add("tls", True, f"{what} {host}: certificate trusted{left}", url=url, ms=ms)
