"""issue 13 item 5: allow and admin rules match a name only once the name's own host confirms it
through WebFinger; a document merely claiming ``preferredUsername`` gets nothing more."""

from __future__ import annotations

import json

from fedicore.vocab import PUBLIC
from tests.support.remote import FakeFediverse


def _impostor(remote: FakeFediverse, name: str, claims: str):
    """An actor at /users/<name> whose document claims preferredUsername ``claims``; WebFinger
    on its host keeps naming the genuine account."""
    actor = remote.actor(name)
    actor.extra["preferredUsername"] = claims
    return actor


async def test_a_claimed_admin_name_is_not_an_admin(world) -> None:
    root = world.remote.actor("root")
    world.inbox.app.state.settings.admins.append(root.handle)
    impostor = _impostor(world.remote, "imp", claims="root")
    url = world.inbox.url(f"/v1/{world.mention}")
    answer = await impostor.get(world.client, url)
    assert answer.status_code == 403, answer.text
    genuine = await root.get(world.client, url)
    assert genuine.status_code == 200, genuine.text


async def test_a_claimed_allowlisted_name_is_still_moderated(world) -> None:
    friend = world.remote.actor("friend")
    world.inbox.app.state.settings.admins.append(friend.handle)  # admins are allowed through
    impostor = _impostor(world.remote, "imp", claims="friend")
    for actor in (impostor, friend):
        note = actor.note(f"<p>{actor.name}</p>", in_reply_to=world.post_url())
        note["to"] = [PUBLIC]
        assert (await actor.post(world.client, world.alice_inbox, actor.create(note))).status_code == 202
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT author, state FROM inbox_items ORDER BY author")
    assert {r["author"]: r["state"] for r in rows} == {friend.id: "approved", impostor.id: "queued"}
    assert json.loads(json.dumps([dict(r) for r in rows]))
