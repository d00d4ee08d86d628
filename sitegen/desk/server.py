"""``fedipress desk``: the author's moderation page, served on 127.0.0.1 only.

It holds no password and puts no key on the server: every action is a request to the inbox
signed with the blog's key on the author's machine (``sitegen.desk.api``). Plain
server-rendered HTML (Jinja2); forms work without JavaScript.

CSRF: a form is honoured only with this process's random token, an exact ``Host`` of the
address the desk listens on (so a DNS-rebinding page cannot reach it by name) and, when the
browser sends one, the same ``Origin``. Answers forbid framing and load nothing from elsewhere.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2

from fedicore.errors import FedipressError
from sitegen.desk.api import Desk

TEMPLATES = Path(__file__).parent / "templates"
EXPIRIES = [("", "for good"), ("1d", "for a day"), ("7d", "for a week"), ("30d", "for 30 days")]
PAGES = {"/": "queue", "/followers": "followers", "/replies": "replies", "/reports": "reports",
         "/audit": "audit"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",  # no-referrer makes Origin "null"
    "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
}


def _age(timestamp: float) -> str:
    from sitegen.desk.cli import age
    return age(timestamp)


class DeskApp:
    """What the pages show and what the forms do; the HTTP handler below is only the edge."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.token = secrets.token_urlsafe(32)
        self.flash: list[str] = []
        self.lock = threading.Lock()  # one inbox client, used by one request at a time
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                      autoescape=True, undefined=jinja2.StrictUndefined)
        self.env.filters["age"] = _age
        self.env.filters["clean"] = _clean

    def page(self, name: str) -> str:
        with self.lock:
            queued = self.desk.items("queued", limit=500)
            context: dict[str, Any] = {
                "page": name, "token": self.token, "expiries": EXPIRIES,
                "site": self.desk.client.site, "flash": self._take_flash(),
                "queue": [i for i in queued if i["kind"] != "flag"],
                "reports": [i for i in queued if i["kind"] == "flag"],
            }
            context["badge"] = len(queued)
            if name == "followers":
                context["followers"] = self.desk.followers()
            elif name == "replies":
                by_post: dict[str, list[dict]] = defaultdict(list)
                for item in self.desk.items("approved", kind="reply", limit=200):
                    by_post[item["object_id"] or ""].append(item)
                context["by_post"] = sorted(by_post.items())
            elif name == "reports":
                notes: dict[str, list[dict]] = defaultdict(list)
                for note in self.desk.notes_all():
                    notes[note["target"]].append(note)
                context["notes"] = notes
            elif name == "audit":
                context["audit"] = self.desk.audit(100)
        return self.env.get_template("desk.html").render(context)

    def _take_flash(self) -> list[str]:
        taken, self.flash = self.flash, []
        return taken

    def act(self, path: str, form: dict[str, str]) -> str:
        """Carry out a form; returns where to go next. Mistakes become a flash message."""
        back = form.get("back") if form.get("back") in PAGES else "/"
        try:
            with self.lock:
                self.flash.append(self._act(path, form))
        except FedipressError as exc:
            self.flash.append(f"Not done: {exc}")
        return back

    def _act(self, path: str, form: dict[str, str]) -> str:
        desk = self.desk
        if path in ("/approve", "/reject"):
            item = desk.resolve(form.get("id", ""))
            (desk.approve if path == "/approve" else desk.reject)(item)
            verb = "Approved" if path == "/approve" else "Rejected"
            return f"{verb} the {item['kind']} from {item['author_handle']}."
        if path == "/block":
            pattern = desk.block(form.get("target", ""), for_=form.get("for") or None,
                                 reason=form.get("reason", ""))
            lasting = dict(EXPIRIES).get(form.get("for") or "", "")
            return f"Blocked {pattern} {lasting}."
        if path == "/followers/remove":
            return f"Removed {desk.remove_follower(form.get('target', ''))} from your followers."
        if path == "/notes":
            body = form.get("body", "").strip()
            if not body:
                return "Not done: the note is empty."
            desk.add_note(form.get("target", ""), body)
            return f"Noted on {form.get('target')}."
        if path == "/feed":
            return f"Your private feed (keep it secret; the old address stopped working): {desk.rotate_feed()}"
        raise FedipressError(f"no action {path}")


def _clean(html: str | None) -> str:
    from markupsafe import Markup

    from sitegen.social.pull import clean_reply_html
    return Markup(clean_reply_html(html or ""))


class DeskHandler(BaseHTTPRequestHandler):
    server: DeskServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if not self.server.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in {**HEADERS, "Content-Type": content_type,
                            "Content-Length": str(len(body)), **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, status: int, why: str) -> None:
        self.close_connection = True  # a refused form's body is never read
        self._send(status, f"{status} {why}\n".encode(), "text/plain; charset=utf-8")

    def _host_ok(self) -> bool:
        return self.headers.get("Host") == self.server.authority

    def do_GET(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._refuse(421, "the desk answers only at " + self.server.authority)
        path = urlsplit(self.path).path
        if path == "/desk.css":
            css = (TEMPLATES / "desk.css").read_bytes()
            return self._send(200, css, "text/css; charset=utf-8")
        if path not in PAGES:
            return self._refuse(404, "not found")
        try:
            body = self.server.app.page(PAGES[path]).encode("utf-8")
        except Exception as exc:  # noqa: BLE001 - the author sees one line, never a blank page
            body = self.server.app.env.get_template("trouble.html").render(
                error=str(exc) if isinstance(exc, FedipressError) else f"{type(exc).__name__}: {exc}",
                site=self.server.app.desk.client.site).encode("utf-8")
            return self._send(502, body, "text/html; charset=utf-8")
        self._send(200, body, "text/html; charset=utf-8")

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._refuse(421, "the desk answers only at " + self.server.authority)
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{self.server.authority}":
            return self._refuse(403, "cross-site form refused")
        if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            return self._refuse(415, "expected a form")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > 65536:
            return self._refuse(413, "form too large")
        raw = self.rfile.read(int(length)).decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        if not hmac.compare_digest(form.get("token", ""), self.server.app.token):
            return self._refuse(403, "stale or forged form: reload the desk")
        where = self.server.app.act(urlsplit(self.path).path, form)
        self._send(303, b"", "text/plain", {"Location": where})


class DeskServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: DeskApp, port: int = 0, *, quiet: bool = False) -> None:
        super().__init__(("127.0.0.1", port), DeskHandler)
        self.app = app
        self.quiet = quiet
        self.authority = f"127.0.0.1:{self.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.authority}/"
