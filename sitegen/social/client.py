"""Talking to the blog's inbox as the blog: every request signed with the site's own key.

The inbox has no passwords; it trusts a management call because it verifies the signature
against the key in the published actor document. So the site must be online at ``base_url``
(deployed, or served by ``fedipress serve``/``up``) before ``register`` and ``publish``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from fedicore.errors import ConfigError, FedipressError
from fedicore.httpsig import HttpRequest, sign_request
from fedicore.keys import public_key_pem
from fedicore.vocab import ACTIVITY_JSON
from sitegen.config import Site, load_site
from sitegen.http_read import ACCEPT_ENCODING, BodyProblem, read_body

USER_AGENT = "Fedipress-Site"
MAX_ANSWER_BYTES = 32 * 1024 * 1024  # one page of 100 replies is far below this
ANSWER_DEADLINE = 60.0  # seconds for a whole answer, however slowly it arrives


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any
    text: str

    def error_line(self) -> str:
        """The inbox's ``{"error", "detail"}`` on one line."""
        if isinstance(self.data, dict) and "error" in self.data:
            detail = self.data.get("detail")
            return f"{self.data['error']}: {detail}" if detail else str(self.data["error"])
        return self.text.strip().splitlines()[0][:200] if self.text.strip() else "no detail"


class InboxClient:
    """``get``/``post`` on the inbox, signed as the blog actor; network trouble is one line."""

    def __init__(self, site: Site, *, timeout: float = 20.0,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if not site.config.inbox_url:
            raise ConfigError("fedipress.toml has no inbox_url: there is no inbox to talk to",
                              path=str(site.root / "fedipress.toml"))
        self.site = site
        self.clock = clock  # signatures are dated by it (``fedipress doctor`` tests skew it)
        self.base = site.inbox_base
        self.key_id = f"{site.actor_id}#main-key"
        try:
            self.private_pem = site.key_path.read_text("ascii")
            self.public_pem = public_key_pem(self.private_pem.encode())
        except FileNotFoundError:
            raise FedipressError("no actor key yet (run `fedipress build` first)",
                                 path=str(site.key_path)) from None
        except ValueError as exc:
            raise FedipressError(f"unreadable key: {exc}", path=str(site.key_path)) from None
        self.http = httpx.Client(timeout=timeout, transport=transport,
                                 headers={"User-Agent": USER_AGENT}, follow_redirects=False)

    @classmethod
    def for_root(cls, root: Any) -> InboxClient:
        return cls(load_site(root))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> InboxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def mention(self) -> str:
        return self.site.handle

    def actor_path(self, suffix: str = "") -> str:
        return f"/v1/{quote(self.mention, safe='@:')}{suffix}"

    def request(self, method: str, path: str, body: Any = None, *, signed: bool = True,
                text: str | None = None) -> Answer:
        """A JSON ``body`` (sent as activity+json), or ``text`` (the moderation lists)."""
        url = self.base + path
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {"Accept": "application/activity+json, application/json",
                   "Accept-Encoding": ACCEPT_ENCODING}
        if body is not None:
            headers["Content-Type"] = ACTIVITY_JSON
        elif text is not None:
            raw = text.encode("utf-8")
            headers["Content-Type"] = "text/plain; charset=utf-8"
        if signed:
            headers |= sign_request(HttpRequest(method, url, headers, raw), key_id=self.key_id,
                                    private_key=self.private_pem, now=self.clock())
        deadline = time.monotonic() + ANSWER_DEADLINE
        try:
            response = self.http.send(self.http.build_request(
                method, url, content=raw or None, headers=headers), stream=True)
        except httpx.HTTPError as exc:
            raise FedipressError(f"inbox {self.base} unreachable: {type(exc).__name__}: {exc}"
                                 .rstrip(": ")) from None
        try:
            body = read_body(response, limit=MAX_ANSWER_BYTES, deadline=deadline)
        finally:
            response.close()
        if isinstance(body, BodyProblem):
            raise FedipressError(f"inbox {self.base} answer to {method} {path} refused: {body.detail}")
        text = body.decode(response.charset_encoding or "utf-8", errors="replace")
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        return Answer(response.status_code, data, text)

    def get(self, path: str, *, signed: bool = True) -> Answer:
        return self.request("GET", path, signed=signed)

    def post(self, path: str, body: Any) -> Answer:
        return self.request("POST", path, body)
