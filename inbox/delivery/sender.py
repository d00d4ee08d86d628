"""Sending one signed delivery: request bytes built once, posted on a kept-alive connection.

Connection reuse matters as much as the client: one TCP connection per host serves many
deliveries (``inbox.delivery.http1``). Redirects are not followed (an inbox that moves must
be re-resolved), and unless private fetches are allowed every resolved address is checked
before connecting; IP literals in the URL are judged before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inbox.delivery.http1 import Client, ForbiddenAddress, Origin, PeerClosed, ResponseTooLarge
from inbox.delivery.signing import Payload, Target

USER_AGENT = "Fedipress (+https://github.com/fedipress)"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back from one POST: a status, or an error when no status came."""

    status: int | None
    retry_after: str | None = None
    error: str | None = None
    permanent: bool = False  # no point retrying (a forbidden address, an unusable URL)


def origin_of(target: Target) -> Origin:
    """scheme, host (brackets stripped) and port of a delivery target."""
    authority = target.authority
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = authority.partition(":")
    port = int(port_text) if port_text.isdigit() else _DEFAULT_PORTS[target.scheme]
    if port_text and not port_text.isdigit():
        raise ValueError(f"bad port in {authority!r}")
    return Origin(target.scheme, host, port)


def request_bytes(target: Target, body: bytes, headers: dict[str, Any]) -> bytes:
    """The whole HTTP/1.1 request (``Target.of`` has checked the target can be carried)."""
    lines = [
        f"POST {target.request_target} HTTP/1.1\r\nHost: {target.authority}\r\n"
        f"User-Agent: {USER_AGENT}\r\nContent-Length: {len(body)}\r\n"
    ]
    for name, value in headers.items():
        if name != "Host":
            lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("ascii") + body


class Sender:
    """One connection pool for the worker's life; ``post`` never raises for network trouble."""

    def __init__(self, *, timeout: float = 20.0, allow_private: bool = False) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._client: Client | None = None

    async def start(self) -> None:
        check = None
        if not self._allow_private:
            from fedicore.netguard import forbidden_address_reason

            check = forbidden_address_reason
        self._client = Client(check_address=check, connect_timeout=min(self._timeout, 10.0))

    @property
    def connections_opened(self) -> int:
        return self._client.connections_opened if self._client else 0

    async def post(self, target: Target, payload: Payload, headers: dict[str, Any]) -> Answer:
        assert self._client is not None, "Sender.start() first"
        try:
            origin = origin_of(target)
            data = request_bytes(target, payload.body, headers)
        except (ValueError, KeyError, UnicodeEncodeError) as exc:
            return Answer(None, error=f"unusable inbox URL: {exc}"[:300], permanent=True)
        if not self._allow_private:
            # a literal address never reaches the resolver, so judge the URL's host here.
            from fedicore.netguard import forbidden_host_reason

            reason = forbidden_host_reason(origin.host)
            if reason:
                return Answer(None, error=f"forbidden address: {reason}", permanent=True)
        try:
            status, retry_after = await self._client.post(origin, data, timeout=self._timeout)
            return Answer(status, retry_after)
        except TimeoutError:
            return Answer(None, error="timeout")
        except PeerClosed as exc:
            return Answer(None, error=f"closed: {exc}"[:300])
        except ResponseTooLarge as exc:
            return Answer(None, error=str(exc))
        except ForbiddenAddress as exc:  # resolved to a forbidden address: retrying cannot help
            return Answer(None, error=f"forbidden address: {exc}"[:300], permanent=True)
        except OSError as exc:
            return Answer(None, error=f"connect: {exc.strerror or exc}"[:300])
        except ValueError as exc:
            return Answer(None, error=f"{type(exc).__name__}: {exc}"[:300])

    async def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
