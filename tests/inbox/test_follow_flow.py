"""Follow, Accept through the delivery queue, Undo; replies stored sanitised; Tombstone delete."""

from __future__ import annotations

from tests.support.remote import verify_received
from tests.support.server import eventually


async def test_follow_is_accepted_with_a_signed_accept_delivered_to_the_follower(world) -> None:
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    answer = await bob.post(world.client, world.alice_inbox, follow)
    assert answer.status_code == 202, answer.text
    await world.inbox.settle()
    assert await world.inbox.count("followers", "follower_id = ?", (bob.id,)) == 1
    accepts = await eventually(lambda: world.remote.delivered("Accept"))
    assert accepts[0]["object"]["id"] == follow["id"]
    assert accepts[0]["actor"] == world.alice.id
    delivery = next(r for r in world.remote.deliveries if r.json()["type"] == "Accept")
    assert verify_received(delivery, world.remote.base + delivery.path, world.alice.public_pem)


async def test_repeated_follow_gets_its_accept_again(world) -> None:
    bob = world.remote.actor("bob")
    for _ in range(2):
        assert (await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))).status_code == 202
        await world.inbox.settle()
    await eventually(lambda: len(world.remote.delivered("Accept")) == 2)
    assert await world.inbox.count("followers") == 1


async def test_undo_follow_by_its_author_removes_the_follower(world) -> None:
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    await bob.post(world.client, world.alice_inbox, follow)
    await world.inbox.settle()
    await bob.post(world.client, world.alice_inbox, bob.activity("Undo", follow))
    await world.inbox.settle()
    assert await world.inbox.count("followers") == 0


async def test_undo_of_someone_elses_follow_has_no_effect(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    follow = bob.follow(world.alice.id)
    await bob.post(world.client, world.alice_inbox, follow)
    await world.inbox.settle()
    answer = await mallory.post(world.client, world.alice_inbox, mallory.activity("Undo", follow["id"]))
    assert answer.status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("followers") == 1


async def test_follow_with_manual_approval_waits_then_approve_sends_accept(make_world) -> None:
    world = await make_world(manuallyApprovesFollowers=True)
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    await bob.post(world.client, world.alice_inbox, follow)
    await world.inbox.settle()
    assert await world.inbox.count("followers") == 0
    view = await world.alice.get(world.client, world.inbox.url(f"/v1/{world.mention}/inbox"))
    assert view.status_code == 200, view.text
    assert [item["id"] for item in view.json()["orderedItems"]] == [follow["id"]]
    approve_url = world.inbox.url(f"/v1/{world.mention}/inbox/{follow['id']}")
    answer = await world.alice.post(world.client, approve_url, b"")
    assert answer.status_code == 200, answer.text
    assert await world.inbox.count("followers") == 1
    await eventually(lambda: world.remote.delivered("Accept"))


async def test_rejected_queued_follow_gets_a_reject(make_world) -> None:
    world = await make_world(manuallyApprovesFollowers=True)
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    await bob.post(world.client, world.alice_inbox, follow)
    await world.inbox.settle()
    import base64

    encoded = base64.urlsafe_b64encode(follow["id"].encode()).decode().rstrip("=")
    url = world.inbox.url(f"/v1/{world.mention}/inbox/{encoded}")
    headers = world.alice.sign("DELETE", url)
    answer = await world.client.delete(url, headers=headers)
    assert answer.status_code == 200, answer.text
    rejects = await eventually(lambda: world.remote.delivered("Reject"))
    assert rejects[0]["object"]["id"] == follow["id"]
    assert await world.inbox.count("followers") == 0
    assert await world.inbox.count("inbox_items") == 0


async def test_new_follower_gets_recent_posts_at_its_own_inbox_and_not_the_blogs(world) -> None:
    note = {"id": world.post_url("first"), "type": "Note", "attributedTo": world.alice.id,
            "content": "<p>first</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [world.inbox.url(f"/v1/{world.mention}/followers")], "published": "2026-01-01T00:00:00Z"}
    create = {"@context": "https://www.w3.org/ns/activitystreams", "id": world.post_url("first") + "#create",
              "type": "Create", "actor": world.alice.id, "object": note, "to": note["to"], "cc": note["cc"]}
    published = await world.alice.post(world.client, world.inbox.url(f"/v1/{world.mention}/outbox"), create)
    assert published.status_code == 202, published.text
    bob = world.remote.actor("bob")
    await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    await world.inbox.settle()
    creates = await eventually(lambda: world.remote.delivered("Create"))
    assert creates[0]["object"]["id"] == world.post_url("first")
    to_bob = [r for r in world.remote.deliveries if r.json()["type"] == "Create"]
    assert {r.path for r in to_bob} == {"/users/bob/inbox"}
    assert world.blog.deliveries == []


async def test_undo_via_the_shared_inbox_unfollows_whichever_local_actor_was_followed(world) -> None:
    from tests.inbox.conftest import register

    carol = world.blog.actor("carol", key_index=4)
    assert (await register(world.inbox, world.client, carol)).status_code == 201
    bob = world.remote.actor("bob")
    follow = bob.follow(carol.id)
    follow["id"] = bob.new_id()
    await bob.post(world.client, world.inbox.url("/v1/inbox"), follow)
    await world.inbox.settle()
    assert await world.inbox.count("followers", "actor_mention = ?", (carol.handle,)) == 1
    # An Undo whose embedded Follow carries another id (some servers do): matched by actor and object.
    undo = bob.activity("Undo", dict(follow, id=bob.new_id()))
    await bob.post(world.client, world.inbox.url("/v1/inbox"), undo)
    await world.inbox.settle()
    assert await world.inbox.count("followers") == 0


async def test_a_host_marked_unavailable_is_available_again_once_it_sends_us_something(world) -> None:
    bob = world.remote.actor("bob")
    host = world.remote.base.split("://", 1)[1].lower()
    db = world.inbox.app.state.db
    await db.execute(
        "INSERT INTO delivery_hosts (host, unavailable, consecutive_failures, failure_days)"
        " VALUES (?, 1, 40, ?)", (host, '["2026-01-01"]'))
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 202, answer.text
    await world.inbox.settle()
    row = await db.fetchone("SELECT unavailable, consecutive_failures FROM delivery_hosts WHERE host = ?",
                            (host,))
    assert (row["unavailable"], row["consecutive_failures"]) == (0, 0)
