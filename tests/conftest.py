"""Both storage backends for the tests that take a ``database_url``: SQLite (a file in the
test's folder) and PostgreSQL (a fresh database on the session's server, tests/support/postgres.py).

``--backends sqlite`` (or ``FEDIPRESS_TEST_BACKENDS=sqlite``) narrows a local run to one backend;
the default, and CI, is both. PostgreSQL missing makes the PostgreSQL tests error, loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backends", default=os.environ.get("FEDIPRESS_TEST_BACKENDS", ",".join(BACKENDS)),
                     help="comma-separated storage backends the database tests run on (sqlite,postgresql)")


def selected_backends(config: pytest.Config) -> list[str]:
    chosen = [name.strip() for name in config.getoption("--backends").split(",") if name.strip()]
    unknown = set(chosen) - set(BACKENDS)
    if unknown or not chosen:
        raise pytest.UsageError(f"--backends: choose from {', '.join(BACKENDS)}, got {chosen}")
    return chosen


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): the only storage backends this test is about"
                            " (e.g. the SQLite file's own permissions)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = selected_backends(metafunc.config)
        only = metafunc.definition.get_closest_marker("backends")
        if only is not None:
            chosen = [name for name in chosen if name in only.args]
        metafunc.parametrize("backend", chosen)


@pytest.fixture(scope="session")
def postgres_server():
    from tests.support.postgres import running_postgres

    yield from running_postgres()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where this test's inbox database lives, on the backend the test is parametrised with."""
    if backend == "sqlite":
        yield str(tmp_path / "inbox.sqlite3")
        return
    server = request.getfixturevalue("postgres_server")
    url = server.fresh_database()
    yield url
    server.drop(url)
