"""What every route needs: JSON errors, the URL the sender signed, a size-limited body,
actor mentions from the path, paging parameters."""

from __future__ import annotations

import base64
import functools
import re
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response
from litestar.datastructures import Address, Headers
from litestar.exceptions import HTTPException
from litestar.types import Receive, Scope

from fedicore.handles import Handle
from fedicore.httpsig import HttpRequest
from fedicore.vocab import ACTIVITY_JSON, LD_JSON_AS
from inbox.settings import Settings

MAX_PAGE = 100
_HOST = re.compile(r"[A-Za-z0-9._~-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")
MAX_SKIP = 2**31  # SQLite integers stop at 2**63; no collection here is anywhere near this


class ApiError(HTTPException):
    """Raised by routes; answered as JSON ``{"error", "detail"}`` with ``status_code``."""

    def __init__(self, status: int, error: str, detail: Any = None, *,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=str(detail or error), headers=headers)
        self.error = error
        self.error_detail = detail


def problem_of(exc: HTTPException) -> tuple[int, str, Any, dict[str, str] | None]:
    """(status, error, detail, headers) of the JSON answer to an HTTP exception."""
    if isinstance(exc, ApiError):
        return exc.status_code, exc.error, exc.error_detail, exc.headers
    error = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
             413: "too_large", 429: "too_many_requests"}.get(exc.status_code, "http_error")
    detail: Any = exc.detail
    extra = getattr(exc, "extra", None)
    if exc.status_code == 400 and extra:
        detail = {"message": exc.detail, "fields": extra}
    return exc.status_code, error, detail, exc.headers


def error_response(status: int, error: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    return Response({"error": error, "detail": detail}, status_code=status, headers=headers,
                    media_type="application/json")


@functools.lru_cache(maxsize=256)
def activity_media_type(accept: str | None) -> str:
    """The ActivityStreams type to answer with: ``application/ld+json; profile=…`` when the
    request prefers it, else ``application/activity+json`` (also for ``application/json``, ``*/*``
    or no Accept: servers refuse a collection served as plain JSON)."""
    best, best_q = ACTIVITY_JSON, -1.0
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        values = dict(p.partition("=")[::2] for p in params)
        try:
            q = float(values.get("q", "1"))
        except ValueError:
            q = 0.0
        media = media.lower()
        if media == ACTIVITY_JSON and q > best_q:
            best, best_q = ACTIVITY_JSON, q
        elif media == "application/ld+json" and q > best_q:
            best, best_q = LD_JSON_AS, q
    return best


def activity_response(request: Request, document: dict[str, Any]) -> Response:
    """An ActivityStreams document served as one (see ``activity_media_type``)."""
    return Response(document, media_type=activity_media_type(request.headers.get("accept")),
                    headers={"Vary": "Accept"})


@functools.lru_cache(maxsize=4096)
def _canonical_mention(text: str) -> str | ValueError:
    # The server has percent-decoded the path once already: decoding again would make
    # ``%2540`` an ``@`` (one actor reachable under many spellings).
    try:
        return str(Handle.parse(text))
    except ValueError as exc:
        return exc


def mention_of(text: str) -> str:
    """The canonical ``@user@domain`` of a (decoded) path segment, or a 404."""
    found = _canonical_mention(text)
    if isinstance(found, ValueError):
        raise ApiError(404, "unknown_actor", f"not an actor mention: {found}")
    return found


def decode_id(text: str) -> str:
    """An activity id or URL from the path: percent-encoded or base64url."""
    value = unquote(text).lstrip("/")
    if value.startswith(("https:/", "http:/")):
        scheme, _, rest = value.partition(":/")
        return f"{scheme}://{rest.lstrip('/')}"
    try:
        padded = value + "=" * (-len(value) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        raise ApiError(400, "bad_id", "expected a percent-encoded or base64url id") from None
    if not decoded.startswith(("https://", "http://")):
        raise ApiError(400, "bad_id", "the id is not an http(s) URL")
    return decoded


def paging(skip: int | None, limit: int | None) -> tuple[int, int]:
    skip = 0 if skip is None else skip
    limit = 20 if limit is None else limit
    if not 0 <= skip <= MAX_SKIP or limit < 1:
        raise ApiError(400, "bad_paging", f"skip must be 0..{MAX_SKIP} and limit >= 1")
    return skip, min(limit, MAX_PAGE)


def signed_url(request: Request, settings: Settings) -> str:
    """The URL as the sender saw it (signatures cover it), rebuilt behind a trusted proxy."""
    scope = request.scope
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(raw_path)
    query = scope.get("query_string", b"").decode("latin-1")
    scheme = scope.get("scheme", "http")
    host = request.headers.get("host", "")
    if settings.trust_forwarded:
        forwarded_host = request.headers.get("x-forwarded-host")
        forwarded_proto = request.headers.get("x-forwarded-proto")
        prefix = request.headers.get("x-forwarded-prefix", "")
        if forwarded_host:
            host = forwarded_host.split(",")[0].strip()
        if forwarded_proto:
            scheme = forwarded_proto.split(",")[0].strip().lower()
        if prefix:
            path = "/" + prefix.strip("/") + path
    if not host:
        raise ApiError(400, "no_host", "the request has no Host header")
    if not _HOST.fullmatch(host):
        raise ApiError(400, "bad_host", "the Host header is not a host name or address with a port")
    if not settings.serves_host(host, scheme):
        # The signature must cover this inbox's own name (public_url, accepted_hosts), not a
        # name the sender chose: refused before any key is fetched.
        raise ApiError(401, "invalid_signature", "host: the request is for a host this inbox does not serve")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def signature_request(request: Request, settings: Settings, body: bytes) -> HttpRequest:
    headers = {name: value for name, value in request.headers.items()}
    url = signed_url(request, settings)
    if settings.trust_forwarded and request.headers.get("x-forwarded-host"):
        headers["host"] = url.split("://", 1)[1].split("/", 1)[0]
    return HttpRequest(request.method, url, headers, body)


async def request_body(request: Request) -> bytes:
    """The body of a management request, read once (limit: ``max_body_bytes``) and kept on the
    request, so the signature check and the route both use the same bytes."""
    body = getattr(request.state, "body", None)
    if body is None:
        body = request.state.body = await read_body(request, request.app.state.settings.max_body_bytes)
    return body


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes (declared or streamed) with 413."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, "bad_content_length", "Content-Length is not a number")
        if int(declared) > limit:
            raise ApiError(413, "too_large", f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "too_large", f"the body is larger than {limit} bytes")
    return bytes(body)


class DeliveryRequest:
    """What ``receive`` reads of a request, straight from the ASGI scope (the Litestar routes
    use it too, so both paths read bodies, and see a client go away, the same way)."""

    __slots__ = ("app", "scope", "method", "headers", "client", "_receive")

    def __init__(self, app: Any, scope: Scope, receive_message: Receive) -> None:
        self.app = app
        self.scope = scope
        self.method = scope["method"]
        self.headers = Headers.from_scope(scope)  # Litestar's own: identical header semantics
        client = scope.get("client")
        self.client = Address(*client) if client else None
        self._receive = receive_message

    async def stream(self):
        """The body's chunks as they arrive (``read_body`` enforces the size limit)."""
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ApiError(400, "disconnected", "the client went away before sending its body")
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                return
