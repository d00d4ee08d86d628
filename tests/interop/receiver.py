"""A tiny Python ActivityPub receiver for testing the Fedify peer's outgoing deliveries.

It serves one actor and one Note, and verifies each inbox POST with `fedicore.httpsig` after
fetching the signer's key from the key id, the way an inbox would. Test-only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from fedicore.httpsig import HttpRequest, SignatureFailure, parse_signature, verify_request
from tests.serve_check.site_factory import shared_keypair

AS = "https://www.w3.org/ns/activitystreams"


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: dict
    scheme: str | None
    failure: SignatureFailure | None  # None = verified


@dataclass
class Receiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def actor_url(self) -> str:
        return f"{self.url}/actor"

    @property
    def note_url(self) -> str:
        return f"{self.url}/notes/1"

    def verified(self, type: str | None = None) -> list[Delivery]:  # noqa: A002
        return [d for d in self.deliveries
                if d.failure is None and (type is None or d.body.get("type") == type)]

    def wait_verified(self, type: str, timeout: float = 15) -> Delivery:  # noqa: A002
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := self.verified(type):
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no verified {type}: {self.deliveries}")


def _documents(base: str) -> dict[str, dict]:
    actor = f"{base}/actor"
    return {
        "/actor": {"@context": [AS, "https://w3id.org/security/v1"], "id": actor,
                   "type": "Person", "preferredUsername": "receiver", "inbox": f"{base}/inbox",
                   "outbox": f"{base}/outbox", "followers": f"{base}/followers",
                   "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                                 "publicKeyPem": shared_keypair()[1]}},
        "/notes/1": {"@context": AS, "id": f"{base}/notes/1", "type": "Note",
                     "attributedTo": actor, "content": "<p>Reply to me</p>",
                     "to": [f"{AS}#Public"], "published": "2026-01-01T00:00:00Z"},
    }


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args, receiver: Receiver, **kwargs) -> None:
        self.receiver = receiver
        super().__init__(*args, **kwargs)

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/activity+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        doc = _documents(self.receiver.url).get(self.path)
        if doc is None and self.path.endswith("/followers"):  # the blog's, as an inbox serves it
            doc = {"@context": AS, "id": f"{self.receiver.url}{self.path}",
                   "type": "OrderedCollection", "totalItems": 0}
        self._reply(200 if doc else 404, doc or {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k: v for k, v in self.headers.items()}
        req = HttpRequest("POST", f"{self.receiver.url}{self.path}", headers, body)
        parsed = parse_signature(req)
        failure: SignatureFailure | None
        if isinstance(parsed, SignatureFailure):
            failure = parsed
        else:
            key_doc = httpx.get(parsed.key_id, headers={"Accept": "application/activity+json"},
                                timeout=10).json()
            pem = (key_doc.get("publicKey") or {}).get("publicKeyPem") or key_doc.get(
                "publicKeyPem")
            failure = verify_request(req, parsed, pem, now=time.time())
        self.receiver.deliveries.append(Delivery(
            self.path, headers, json.loads(body or b"{}"),
            None if isinstance(parsed, SignatureFailure) else parsed.scheme, failure))
        self._reply(401 if failure else 202, {"error": failure.reason} if failure else {})


@contextmanager
def python_receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)  # handler bound below
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = partial(_Handler, receiver=receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
