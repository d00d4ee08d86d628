"""Management routes attacked by someone holding a valid key: another local actor (IDOR across
queues), a replayed signature (another method or path), and what outsiders may read."""

from __future__ import annotations

import base64

from tests.inbox.conftest import register
from tests.support.server import eventually


async def _two_authors_with_a_queued_follow(make_world):
    """alice and carol on one inbox; bob's Follow waits in carol's queue."""
    world = await make_world(manuallyApprovesFollowers=True)
    carol = world.blog.actor("carol", key_index=2)
    assert (await register(world.inbox, world.client, carol, manuallyApprovesFollowers=True)).status_code == 201
    bob = world.remote.actor("bob")
    follow = bob.follow(carol.id)
    carol_inbox = world.inbox.url(f"/v1/{carol.handle}/inbox")
    assert (await bob.post(world.client, carol_inbox, follow)).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("inbox_items", "actor_mention = ? AND state = 'queued'", (carol.handle,)) == 1
    return world, carol, follow


async def test_author_cannot_approve_or_reject_another_authors_queued_item(make_world) -> None:
    world, carol, follow = await _two_authors_with_a_queued_follow(make_world)
    encoded = base64.urlsafe_b64encode(follow["id"].encode()).decode().rstrip("=")
    # Through her own queue (the id is carol's item): not found there.
    own = world.inbox.url(f"/v1/{world.mention}/inbox/{encoded}")
    assert (await world.alice.post(world.client, own, b"")).status_code == 404
    assert (await world.client.delete(own, headers=world.alice.sign("DELETE", own))).status_code == 404
    # Through carol's queue: not hers to decide.
    theirs = world.inbox.url(f"/v1/{carol.handle}/inbox/{encoded}")
    assert (await world.alice.post(world.client, theirs, b"")).status_code == 403
    assert (await world.client.delete(theirs, headers=world.alice.sign("DELETE", theirs))).status_code == 403
    listing = world.inbox.url(f"/v1/{carol.handle}/inbox")
    assert (await world.alice.get(world.client, listing)).status_code == 403
    assert await world.inbox.count("inbox_items", "state = 'queued'") == 1
    assert await world.inbox.count("followers") == 0
    assert world.remote.deliveries == []
    # carol herself still can.
    assert (await carol.post(world.client, theirs, b"")).status_code == 200
    await eventually(lambda: world.remote.delivered("Accept"))


async def test_signed_read_replayed_as_unregister_is_401_and_the_actor_stays(world) -> None:
    url = world.inbox.url(f"/v1/{world.mention}")
    read = world.alice.sign("GET", url)
    answer = await world.client.delete(url, headers=read)
    assert answer.status_code == 401, answer.text
    assert await world.inbox.count("actors") == 1
    assert (await world.client.get(url, headers=read)).status_code == 200


async def test_signature_for_one_query_replayed_with_another_is_401(world) -> None:
    signed = world.inbox.url(f"/v1/{world.mention}/inbox?skip=0&limit=1")
    headers = world.alice.sign("GET", signed)
    replay = await world.client.get(world.inbox.url(f"/v1/{world.mention}/inbox?skip=0&limit=50"), headers=headers)
    assert replay.status_code == 401, replay.text
    assert (await world.client.get(signed, headers=headers)).status_code == 200


async def test_signature_for_the_followers_path_is_refused_on_follower_removal(world) -> None:
    bob = world.remote.actor("bob")
    await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    await world.inbox.settle()
    await eventually(lambda: world.remote.delivered("Accept"))
    listing = world.inbox.url(f"/v1/{world.mention}/followers")
    removal = world.inbox.url(f"/v1/{world.mention}/followers/{bob.handle}")
    answer = await world.client.delete(removal, headers=world.alice.sign("DELETE", listing))
    assert answer.status_code == 401, answer.text
    assert await world.inbox.count("followers") == 1


async def test_outsiders_see_follower_counts_but_never_who(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    await world.inbox.settle()
    url = world.inbox.url(f"/v1/{world.mention}/followers")
    for answer in (await world.client.get(url), await mallory.get(world.client, url)):
        assert answer.status_code == 200, answer.text
        assert answer.json()["totalItems"] == 1
        assert bob.id not in answer.text
    own = await world.alice.get(world.client, url)
    assert bob.id in own.text


async def test_flag_comment_with_html_is_stored_escaped(world) -> None:
    bob = world.remote.actor("bob")
    flag = bob.activity("Flag", [world.post_url()], content='<img src=x onerror="steal()"><b>spam</b>')
    assert (await bob.post(world.client, world.alice_inbox, flag)).status_code == 202
    await world.inbox.settle()
    row = await world.inbox.db.fetchone("SELECT content_html FROM inbox_items WHERE kind = 'flag'")
    assert "<img" not in row["content_html"] and "<b>" not in row["content_html"]
    assert "&lt;img" in row["content_html"]


async def test_outsiders_see_like_counts_but_never_who(world) -> None:
    from urllib.parse import quote

    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    await bob.post(world.client, world.alice_inbox, bob.activity("Like", world.post_url()))
    await world.inbox.settle()
    url = world.inbox.url(f"/v1/{world.mention}/inbox/likes/{quote(world.post_url(), safe='')}")
    for answer in (await world.client.get(url), await mallory.get(world.client, url)):
        assert answer.status_code == 200, answer.text
        assert "orderedItems" not in answer.json()
        assert bob.id not in answer.text
