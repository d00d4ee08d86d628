"""Fixtures that run the pinned Fedify peer; skipped only where Node itself is missing.

Starting a peer costs seconds (Node, Fedify, key generation), so each peer runs once per test
session and `reset()`s its recorded activities and follow state before every test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.interop.peer import Peer, fedify_peer


def _need_node() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed; the Fedify peer cannot run")


@pytest.fixture(scope="session")
def _session_peer() -> Iterator[Peer]:
    _need_node()
    with fedify_peer() as running:
        yield running


@pytest.fixture(scope="session")
def _session_other_peer() -> Iterator[Peer]:
    _need_node()
    with fedify_peer(username="other", first_knock="draft-cavage-http-signatures-12") as running:
        yield running


@pytest.fixture
def peer(_session_peer: Peer) -> Peer:
    """Fedify peer `peer`: first knock RFC 9421, RSA + Ed25519 keys; fresh records."""
    _session_peer.reset()
    return _session_peer


@pytest.fixture
def other_peer(_session_other_peer: Peer) -> Peer:
    """Fedify peer `other`: first knock draft-cavage; fresh records."""
    _session_other_peer.reset()
    return _session_other_peer
