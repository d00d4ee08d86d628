"""Tell systemd the inbox is ready (``Type=notify``): one datagram to ``$NOTIFY_SOCKET``.

No dependency: the protocol is a text datagram such as ``READY=1`` sent to the unix socket
whose path systemd puts in ``NOTIFY_SOCKET`` (a leading ``@`` names an abstract socket).
Outside systemd the variable is unset and nothing is sent.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any


def notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``) to systemd; False when not run by systemd."""
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(state.encode("utf-8"))
    return True


def serve(app: Any, **config: Any) -> None:
    """``uvicorn.run`` that says READY=1 once the application started and the socket listens,
    and STOPPING=1 when it shuts down: a crash at start fails ``systemctl start``."""
    import uvicorn

    class NotifyingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                notify("READY=1")

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            notify("STOPPING=1")
            await super().shutdown(sockets=sockets)

    server = NotifyingServer(uvicorn.Config(app, **config))
    server.run()
    if not server.started:
        raise SystemExit(3)
