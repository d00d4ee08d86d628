"""Fixtures: a real SQLite database with one local actor and a real RSA key, a fake clock,
and a factory of loopback receivers."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from fedicore.keys import generate_rsa_keypair
from inbox.delivery import DeliveryConfig, DeliveryWorker
from inbox.storage.db import Database
from tests.delivery.receivers import Receiver

ACTOR = "@alice@blog.example"
ACTOR_URL = "https://blog.example/ap/actor.json"
KEY_ID = f"{ACTOR_URL}#main-key"


class FakeClock:
    """Starts at the real time (signatures carry a Date) and moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_rsa_keypair()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(database_url, keypair):
    database = await Database.open(database_url)
    await add_actor(database, keypair)
    yield database
    await database.close()


async def add_actor(database: Database, keypair: tuple[str, str]) -> None:
    private_pem, public_pem = keypair
    await database.execute(
        "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ACTOR, ACTOR_URL, KEY_ID, public_pem, private_pem, time.time()),
    )


async def add_follower(database: Database, follower_id: str, inbox: str, shared: str | None = None) -> None:
    await database.execute(
        "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, created_at) VALUES (?, ?, ?, ?, ?)",
        (ACTOR, follower_id, inbox, shared, time.time()),
    )


SETTINGS = SimpleNamespace(allow_private_fetch=True, database=":memory:")
FAST = DeliveryConfig(poll_interval=0.05, flush_interval=0.01, timeout=5.0, lease_seconds=30.0)


@pytest.fixture
async def worker(db, clock):
    w = DeliveryWorker(db, SETTINGS, clock=clock, config=FAST)
    yield w
    await w.close()


@pytest.fixture
async def receivers(keypair, clock):
    started: list[Receiver] = []

    async def make(**kwargs) -> Receiver:
        receiver = await Receiver(public_key_pem=keypair[1], clock=clock, **kwargs).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        await receiver.stop()


def note_activity(kind: str, n: int = 1, obj: str = "https://blog.example/ap/posts/hello.json") -> dict:
    """A blog activity about one post (Create/Update/Delete)."""
    body = {"id": obj, "type": "Note", "attributedTo": ACTOR_URL, "content": f"<p>v{n}</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{obj}#{kind.lower()}-{n}",
        "type": kind,
        "actor": ACTOR_URL,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{ACTOR_URL}/followers"],
        "object": obj if kind == "Delete" else body,
    }
