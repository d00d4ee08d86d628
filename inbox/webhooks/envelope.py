"""Pure webhook parts: event names, the envelope, its HMAC signature, the request to send.

No I/O here. A receiver verifies a call by computing ``HMAC-SHA256(secret, body)`` and comparing
it with the ``X-Fedipress-Signature: sha256=<hex>`` header (``verify_signature`` does exactly
that, and is what the tests and the example receiver use).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# The reference's three, then the events it lacks.
EVENTS = ("moderationqueued", "onapproved", "onrejected", "follow", "unfollow", "reply", "like",
          "announce", "delete", "report")
FORMATS = ("envelope", "github")
METHODS = ("POST", "PUT", "PATCH")
SIGNATURE_HEADER = "X-Fedipress-Signature"
EVENT_HEADER = "X-Fedipress-Event"
DELIVERY_HEADER = "X-Fedipress-Delivery"
# Headers the hook owner may not set: they are ours, or the HTTP client's.
RESERVED_HEADERS = frozenset(h.lower() for h in (
    SIGNATURE_HEADER, EVENT_HEADER, DELIVERY_HEADER, "content-length", "host",
    "transfer-encoding", "connection", "content-type"))
MAX_HEADERS = 20
MAX_URL = 2048


@dataclass(frozen=True)
class HookConfig:
    """What an owner sends in ``PUT /v1/{actor}/hooks/{name}``, checked."""

    url: str
    method: str
    headers: dict[str, str]
    secret: str | None
    format: str


def hook_problem(body: Any) -> str | None:
    """Why a hook body cannot be stored, or None. Addresses are judged later (needs settings)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object {url, method, headers}"
    url = body.get("url")
    if not isinstance(url, str) or len(url) > MAX_URL:
        return "url must be an http(s) URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535 or not a number
    except ValueError:
        return "url must be an http(s) URL with a valid host and port"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "url must be an http(s) URL"
    if parts.username or parts.password:
        return "url must not carry credentials (use headers)"
    method = body.get("method", "POST")
    if not isinstance(method, str) or method.upper() not in METHODS:
        return f"method must be one of {', '.join(METHODS)}"
    headers = body.get("headers", {})
    if headers is None:
        headers = {}
    if not isinstance(headers, dict) or len(headers) > MAX_HEADERS:
        return f"headers must be an object of at most {MAX_HEADERS} string values"
    for name, value in headers.items():
        if not isinstance(value, str) or not name or any(c in name for c in " :\r\n\t"):
            return f"header {str(name)[:40]!r} must be a token with a string value"
        if "\r" in value or "\n" in value:
            return f"header {name!r} must not contain line breaks"
        if name.lower() in RESERVED_HEADERS:
            return f"header {name!r} is set by the inbox"
    secret = body.get("secret")
    if secret is not None and (not isinstance(secret, str) or not 16 <= len(secret) <= 256):
        return "secret must be a string of 16 to 256 characters"
    fmt = body.get("format", "envelope")
    if fmt not in FORMATS:
        return f"format must be one of {', '.join(FORMATS)}"
    return None


def parse_hook(body: Any) -> HookConfig | str:
    """A checked ``HookConfig``, or the reason it cannot be one."""
    problem = hook_problem(body)
    if problem:
        return problem
    return HookConfig(url=body["url"], method=str(body.get("method", "POST")).upper(),
                      headers=dict(body.get("headers") or {}), secret=body.get("secret"),
                      format=body.get("format", "envelope"))


def secret_hint(secret: str) -> str:
    """Enough of a secret to tell two apart, never enough to use it."""
    return f"…{secret[-4:]}" if len(secret) >= 16 else "…"


def iso_time(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_envelope(*, event: str, actor: str, activity: dict[str, Any], delivery_id: str,
                  now: float) -> dict[str, Any]:
    return {"event": event, "actor": actor, "activity": activity, "delivery_id": delivery_id,
            "timestamp": iso_time(now)}


def github_body(envelope: dict[str, Any]) -> dict[str, Any]:
    """GitHub's ``repository_dispatch`` body: ``event_type`` plus the envelope as payload."""
    return {"event_type": f"fedipress-{envelope['event']}", "client_payload": envelope}


def body_bytes(envelope: dict[str, Any], fmt: str) -> bytes:
    document = github_body(envelope) if fmt == "github" else envelope
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_body(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of the body>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a received ``X-Fedipress-Signature`` value."""
    if not header:
        return False
    # bytes, not str: compare_digest refuses non-ASCII strings, and a received header is anything
    return hmac.compare_digest(sign_body(secret, body).encode(), header.strip().encode("utf-8", "replace"))


@dataclass(frozen=True)
class OutgoingCall:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def build_call(*, envelope: dict[str, Any], url: str, method: str, headers: dict[str, str],
               secret: str, fmt: str) -> OutgoingCall:
    """The HTTP request for one webhook call; the owner's headers never replace ours."""
    body = body_bytes(envelope, fmt)
    out = {k: v for k, v in headers.items() if k.lower() not in RESERVED_HEADERS}
    if fmt == "github":
        out.setdefault("Accept", "application/vnd.github+json")
    out["Content-Type"] = "application/json"
    out[SIGNATURE_HEADER] = sign_body(secret, body)
    out[EVENT_HEADER] = str(envelope["event"])
    out[DELIVERY_HEADER] = str(envelope["delivery_id"])
    return OutgoingCall(method=method, url=url, headers=out, body=body)
