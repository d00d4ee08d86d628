"""Start the pinned Fedify peer (`peer.mjs`) and drive it through its control API.

    with fedify_peer() as peer:
        peer.follow("http://127.0.0.1:8000/ap/actor.json")
        accept = peer.wait_for("Accept")

The peer is a real Fedify server: everything in `peer.received()` passed Fedify's own
HTTP-signature verification. docs/interop.md lists the control API.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 30


class PeerError(RuntimeError):
    """The peer could not start, or a control call failed (status and JSON detail inside)."""


def node_missing_reason() -> str | None:
    """Why the peer cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "@fedify" / "fedify").is_dir():
        return "run `npm ci` in tests/interop (scripts/test does)"
    return None


class Peer:
    """A running Fedify peer: `url`, `actor_url`, and one method per control endpoint."""

    def __init__(self, url: str, username: str, log: Path) -> None:
        self.url = url
        self.actor_url = f"{url}/users/{username}"
        self.inbox_url = f"{self.actor_url}/inbox"
        self.shared_inbox_url = f"{url}/inbox"
        self.log = log
        self.client = httpx.Client(base_url=url, timeout=30)

    def control(self, path: str, body: dict | None = None, *, expect_ok: bool = True) -> dict:
        response = (self.client.post(f"/control/{path}", json=body or {}) if body is not None
                    else self.client.get(f"/control/{path}"))
        data = response.json()
        if expect_ok and response.status_code != 200:
            raise PeerError(f"/control/{path} -> {response.status_code}: {data}")
        return data

    def follow(self, target: str) -> dict:
        return self.control("follow", {"target": target})

    def unfollow(self, target: str) -> dict:
        return self.control("unfollow", {"target": target})

    def like(self, obj: str) -> dict:
        return self.control("like", {"object": obj})

    def unlike(self, obj: str) -> dict:
        return self.control("unlike", {"object": obj})

    def announce(self, obj: str) -> dict:
        return self.control("announce", {"object": obj})

    def unannounce(self, obj: str) -> dict:
        return self.control("unannounce", {"object": obj})

    def reply(self, in_reply_to: str, content: str, to: str | None = None,
              visibility: str = "public") -> dict:
        body = {"inReplyTo": in_reply_to, "content": content, "visibility": visibility}
        if to:
            body["to"] = to
        return self.control("reply", body)

    def update_note(self, note_id: str, content: str) -> dict:
        return self.control("update-note", {"id": note_id, "content": content})

    def delete(self, note_id: str) -> dict:
        return self.control("delete", {"id": note_id})

    def verify_object(self, url: str | None = None, document: dict | None = None) -> dict:
        """Fedify's own FEP-8b32 verification of a document at ``url`` or given whole."""
        body = {"url": url} if document is None else {"document": document}
        return self.control("verify-object", body)

    def send(self, inbox: str, activity: dict) -> dict:
        return self.control("send", {"inbox": inbox, "activity": activity})

    def received(self, type: str | None = None) -> list[dict]:  # noqa: A002
        return self.control(f"received?type={type}" if type else "received")

    def rejected(self) -> list[dict]:
        return self.control("rejected")

    def followers(self) -> list[str]:
        return self.control("followers")

    def reset(self) -> None:
        self.control("reset", {})

    def wait_for(self, type: str, *, count: int = 1, timeout: float = 15) -> list[dict]:  # noqa: A002
        """Poll until `count` verified activities of `type` arrived; raise with the log if not."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(type)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise PeerError(f"no {type} within {timeout}s; got {self.received()}, "
                                f"rejected {self.rejected()}; log:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextmanager
def fedify_peer(*, port: int = 0, username: str = "peer", first_knock: str = "rfc9421",
                ed25519: bool = True) -> Iterator[Peer]:
    """Run `node peer.mjs` on 127.0.0.1 until the block ends; `port=0` picks a free port."""
    reason = node_missing_reason()
    if reason:
        raise PeerError(f"cannot start the Fedify peer: {reason}")
    log = Path(tempfile.mkstemp(prefix="fedify-peer-", suffix=".log")[1])
    command = ["node", str(HERE / "peer.mjs"), "--port", str(port), "--username", username,
               "--first-knock", first_knock]
    if not ed25519:
        command.append("--no-ed25519")
    with log.open("wb") as log_file:
        proc = subprocess.Popen(command, cwd=HERE, stdout=subprocess.PIPE, stderr=log_file)
    ready: list[str] = []

    def read_ready() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("READY ") and not ready:
                ready.append(line.split(" ", 1)[1])
            # keep draining so the peer never blocks on a full pipe

    reader = threading.Thread(target=read_ready, daemon=True)
    reader.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        if not ready:
            raise PeerError(f"Fedify peer did not start: {log.read_text(errors='replace')[-2000:]}")
        peer = Peer(ready[0], username, log)
        try:
            yield peer
        finally:
            peer.client.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.unlink(missing_ok=True)
