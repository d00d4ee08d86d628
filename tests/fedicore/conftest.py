"""Keys are costly to make: one RSA and one Ed25519 pair per test session."""

from __future__ import annotations

import pytest

from fedicore import keys


@pytest.fixture(scope="session")
def rsa_pair() -> tuple[str, str]:
    return keys.generate_rsa_keypair()


@pytest.fixture(scope="session")
def other_rsa_pair() -> tuple[str, str]:
    return keys.generate_rsa_keypair()


@pytest.fixture(scope="session")
def ed25519_pair() -> tuple[str, str]:
    return keys.generate_ed25519_keypair()


@pytest.fixture(params=["rsa", "ed25519"])
def any_pair(request: pytest.FixtureRequest, rsa_pair, ed25519_pair) -> tuple[str, str]:
    return rsa_pair if request.param == "rsa" else ed25519_pair
