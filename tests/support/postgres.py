"""A real PostgreSQL for the tests: Debian's package, started in a temporary folder on a free
127.0.0.1 port, as an unprivileged user (PostgreSQL refuses to run as root), and stopped at
the end of the session.

Each test gets a database of its own, cloned from a template that already holds every
migration (``CREATE DATABASE ... TEMPLATE`` copies files: milliseconds), dropped afterwards.
PostgreSQL missing is a failure that says how to install it, never a skip.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.support.server import free_port

def _bindir() -> Path:
    """FEDIPRESS_TEST_PG_BINDIR, else Debian's newest installed server (15 on bookworm)."""
    if os.environ.get("FEDIPRESS_TEST_PG_BINDIR"):
        return Path(os.environ["FEDIPRESS_TEST_PG_BINDIR"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BINDIR = _bindir()
UNPRIVILEGED = "nobody"  # who runs the server when the tests run as root
TEMPLATE = "fedipress_template"


class PostgresMissing(RuntimeError):
    pass


def _as_server_user() -> list[str]:
    """The command prefix that drops root (nothing when we are not root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise PostgresMissing("setpriv (util-linux) is needed to run PostgreSQL as an unprivileged user")
    user = pwd.getpwnam(UNPRIVILEGED)
    return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
            "--reset-env"]


class PostgresServer:
    """One running cluster; ``url(name)`` is a database URL on it, ``fresh_database()`` a new
    database cloned from the migrated template."""

    def __init__(self, *, durable: bool = False, options: tuple[str, ...] = ()) -> None:
        if not (BINDIR / "postgres").is_file():
            raise PostgresMissing(
                f"PostgreSQL is not installed ({BINDIR}/postgres missing): install Debian's"
                " 'postgresql' package (./scripts/test does when run as root)")
        self.durable = durable
        self.options = list(options)  # more `postgres` arguments (e.g. "-c", "name=value")
        self.folder = Path(tempfile.mkdtemp(prefix="fedipress-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._names = itertools.count(1)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> PostgresServer:
        prefix = _as_server_user()
        if prefix:
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chmod(self.folder, 0o755)
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        subprocess.run([*prefix, str(BINDIR / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                       check=True, capture_output=True, cwd=self.folder)
        options = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port),
                   "-c", "unix_socket_directories=", "-c", "max_connections=200",
                   "-c", "shared_buffers=64MB"]
        if not self.durable:  # tests prove behaviour, not crash safety of the disk
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        options += self.options
        log = open(self.folder / "server.log", "wb")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen([*prefix, str(BINDIR / "postgres"), "-D", str(self.data), *options],
                                        stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2, autocommit=True):
                    break
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise PostgresMissing("PostgreSQL did not start: "
                                          + (self.folder / "server.log").read_text(errors="replace")[-2000:])
                time.sleep(0.1)
        self._make_template()
        return self

    def _make_template(self) -> None:
        import asyncio

        from inbox.storage.db import Database

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")

        async def migrate() -> None:
            db = await Database.open(self.url(TEMPLATE))
            await db.close()

        asyncio.run(migrate())

    def fresh_database(self, *, migrated: bool = True) -> str:
        """A new, empty database (every migration applied unless ``migrated=False``): its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        template = TEMPLATE if migrated else "template0"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # smart shutdown; the process is ours
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


def running_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    server = PostgresServer(durable=durable).start()
    try:
        yield server
    finally:
        server.stop()
