from __future__ import annotations

import pytest

from tests.support.remote import test_keypair


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    """(private PEM, public PEM) of the blog actor whose deliveries these tests send."""
    return test_keypair(0)
