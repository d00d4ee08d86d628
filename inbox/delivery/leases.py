"""Who holds a delivery lease: worker ids, and whether the process behind one is gone.

A worker id is ``host:pid:random``, so a worker restarted on the same machine can free the
leases of one killed with ``kill -9`` at once instead of waiting for them to expire.
"""

from __future__ import annotations

import os
import socket
import uuid


def new_worker_id() -> str:
    """``host:pid:random`` for this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True only when ``owner`` names a process on this machine that no longer exists."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
