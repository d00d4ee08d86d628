"""The whole inbox app: alice publishes through her signed outbox call, the worker started by
the app's lifespan delivers to loopback followers, the status endpoint counts it."""

from __future__ import annotations

import time

from tests.delivery.receivers import Receiver
from tests.inbox.conftest import make_world, world  # noqa: F401 - fixtures
from tests.support.server import eventually

AS = "https://www.w3.org/ns/activitystreams"


async def test_published_post_reaches_followers_through_the_running_inbox(world):  # noqa: F811
    receivers = [await Receiver(public_key_pem=world.alice.public_pem, clock=time.time).start() for _ in range(2)]
    try:
        db = world.inbox.db
        for n, receiver in enumerate(receivers):
            for user in ("a", "b"):
                await db.execute(
                    "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (world.mention, f"{receiver.url()}/users/{user}", receiver.url(f"/users/{user}/inbox"),
                     receiver.url("/inbox"), time.time()),
                )
        post = world.post_url("hello")
        activity = {"@context": AS, "id": f"{post}#create", "type": "Create", "actor": world.alice.id,
                    "to": [f"{AS}#Public"], "cc": [f"{world.alice.id}/followers"],
                    "object": {"id": post, "type": "Note", "attributedTo": world.alice.id,
                               "content": "<p>Hello</p>", "to": [f"{AS}#Public"]}}
        url = world.inbox.url(f"/v1/{world.mention}/outbox")
        answer = await world.alice.post(world.client, url, activity)
        assert answer.status_code == 202, answer.text
        status_url = world.inbox.url(answer.headers["Location"])

        async def delivered() -> bool:
            status = (await world.alice.get(world.client, status_url)).json()
            return status["deliveries"]["delivered"] == 2 and status

        status = await eventually(delivered, timeout=10)
        assert status["deliveries"] == {"pending": 0, "delivered": 2, "failed": 0, "total": 2}
        for receiver in receivers:
            assert [(h.path, h.verified) for h in receiver.hits] == [("/inbox", True)]

        unsigned = await world.client.post(url, json=activity)
        assert unsigned.status_code == 401 and unsigned.json()["error"]
    finally:
        for receiver in receivers:
            await receiver.stop()
