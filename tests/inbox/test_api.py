"""The /v1 management API on the running server: registration, secrets, followers,
collections, the moderation view; and the operator endpoints."""

from __future__ import annotations

import io
import json
import logging
import time
from urllib.parse import quote

import httpx

from tests.inbox.conftest import register, registration
from tests.support.server import eventually, running_inbox


async def test_read_actor_never_returns_the_private_key(world) -> None:
    url = world.inbox.url(f"/v1/{world.mention}")
    answer = await world.alice.get(world.client, url)
    assert answer.status_code == 200, answer.text
    assert "PRIVATE KEY" not in answer.text
    assert answer.json()["actorUrl"] == world.alice.id


async def test_registration_answer_has_no_private_key(make_world) -> None:
    world = await make_world()
    answer = await register(world.inbox, world.client, world.alice)
    assert answer.status_code == 201
    assert "PRIVATE KEY" not in answer.text


async def test_private_key_is_never_logged(make_world) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    from inbox.logs import JsonFormatter

    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    old = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        world = await make_world()
        await world.alice.get(world.client, world.inbox.url(f"/v1/{world.mention}"))
        bad = json.loads(registration(world.alice))
        bad["keypair"]["publicKeyPem"] = "junk"
        await world.alice.post(world.client, world.inbox.url(f"/v1/{world.mention}"), json.dumps(bad).encode())
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(old)
    assert "PRIVATE KEY" not in stream.getvalue()
    assert stream.getvalue()  # something was logged at all


async def test_registration_signed_by_another_key_is_refused(world) -> None:
    mallory = world.remote.actor("mallory")
    # mallory signs a registration of alice's mention carrying mallory's key pair
    url = world.inbox.url(f"/v1/{world.mention}")
    body = registration(mallory)
    answer = await mallory.post(world.client, url, body)
    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"


async def test_registration_with_a_key_other_than_the_signers_is_refused(world) -> None:
    carol = world.blog.actor("carol", key_index=3)
    other = world.remote.actor("other")
    body = json.loads(registration(carol))
    body["keypair"] = {"publicKeyPem": other.public_pem, "privateKeyPem": other.private_pem}
    answer = await carol.post(world.client, world.inbox.url(f"/v1/{carol.handle}"), json.dumps(body).encode())
    assert answer.status_code == 403
    assert answer.json()["error"] == "key_mismatch"


async def test_unsigned_management_call_is_401(world) -> None:
    answer = await world.client.get(world.inbox.url(f"/v1/{world.mention}"))
    assert answer.status_code == 401
    assert set(answer.json()) == {"error", "detail"}


async def test_management_signature_replayed_on_another_route_is_401(world) -> None:
    signed_for = world.inbox.url(f"/v1/{world.mention}/followers")
    headers = world.alice.sign("GET", signed_for)
    answer = await world.client.get(world.inbox.url(f"/v1/{world.mention}"), headers=headers)
    assert answer.status_code == 401


async def test_admin_may_manage_any_actor(make_world) -> None:
    world = await make_world()
    admin = world.remote.actor("admin")
    world.inbox.app.state.settings.admins.append(admin.handle)
    answer = await admin.get(world.client, world.inbox.url(f"/v1/{world.mention}"))
    assert answer.status_code == 200, answer.text
    stranger = world.remote.actor("stranger")
    assert (await stranger.get(world.client, world.inbox.url(f"/v1/{world.mention}"))).status_code == 403


async def _followed_by(world, *names: str) -> list:
    actors = [world.remote.actor(name) for name in names]
    for actor in actors:
        await actor.post(world.client, world.alice_inbox, actor.follow(world.alice.id))
    await world.inbox.settle()
    return actors


async def test_followers_count_for_anyone_items_for_the_owner(world) -> None:
    bob, carol = await _followed_by(world, "bob", "carol")
    url = world.inbox.url(f"/v1/{world.mention}/followers")
    public = await world.client.get(url)
    assert public.status_code == 200
    assert public.json()["totalItems"] == 2 and "orderedItems" not in public.json()
    owner = await world.alice.get(world.client, url)
    assert sorted(owner.json()["orderedItems"]) == sorted([bob.id, carol.id])
    paged = await world.alice.get(world.client, url + "?skip=0&limit=1")
    assert len(paged.json()["orderedItems"]) == 1 and "next" in paged.json()


async def test_removing_a_follower_by_mention_sends_a_reject(world) -> None:
    (bob,) = await _followed_by(world, "bob")
    url = world.inbox.url(f"/v1/{world.mention}/followers/{quote(bob.handle)}")
    answer = await world.client.delete(url, headers=world.alice.sign("DELETE", url))
    assert answer.status_code == 200, answer.text
    assert await world.inbox.count("followers") == 0
    rejects = await eventually(lambda: world.remote.delivered("Reject"))
    assert rejects[0]["object"]["actor"] == bob.id


async def test_removing_a_follower_whose_url_does_not_end_in_its_username(world) -> None:
    dana = world.remote.actor("1234567", extra={"preferredUsername": "dana"})
    await dana.post(world.client, world.alice_inbox, dana.follow(world.alice.id))
    await world.inbox.settle()
    host = world.remote.base.split("://", 1)[1]
    fetched = len(world.remote.fetches)
    url = world.inbox.url(f"/v1/{world.mention}/followers/{quote(f'@dana@{host}')}")
    answer = await world.client.delete(url, headers=world.alice.sign("DELETE", url))
    assert answer.status_code == 200, answer.text
    assert await world.inbox.count("followers") == 0
    assert len(world.remote.fetches) == fetched  # the handle recorded at Follow time: no fetch


async def test_moderation_view_is_newest_first_and_paged(make_world) -> None:
    world = await make_world(manuallyApprovesFollowers=True)
    follows = []
    for name in ("bob", "carol", "dave"):
        actor = world.remote.actor(name)
        follow = actor.follow(world.alice.id)
        follows.append(follow["id"])
        await actor.post(world.client, world.alice_inbox, follow)
        await world.inbox.settle()
        time.sleep(0.01)
    url = world.inbox.url(f"/v1/{world.mention}/inbox?skip=0&limit=2")
    page = (await world.alice.get(world.client, url)).json()
    assert page["type"] == "OrderedCollectionPage" and page["totalItems"] == 3
    assert [item["id"] for item in page["orderedItems"]] == follows[::-1][:2]
    nxt = (await world.alice.get(world.client, world.inbox.url(f"/v1/{world.mention}/inbox?skip=2&limit=2"))).json()
    assert [item["id"] for item in nxt["orderedItems"]] == follows[:1]


async def test_replies_collection_counts_only_approved_items(world) -> None:
    bob = world.remote.actor("bob")
    note = bob.note("<p>first</p>", in_reply_to=world.post_url())
    await bob.post(world.client, world.alice_inbox, bob.create(note))
    await world.inbox.settle()
    url = world.inbox.url(f"/v1/{world.mention}/inbox/replies/{quote(world.post_url(), safe='')}")
    queued = (await world.client.get(url)).json()
    assert queued["totalItems"] == 0  # default moderation queues strangers
    # approve by the Create activity's id (what the moderation view lists)
    row = await world.inbox.db.fetchone("SELECT activity_id FROM inbox_items")
    approve = world.inbox.url(f"/v1/{world.mention}/inbox/{quote(row['activity_id'], safe='')}")
    assert (await world.alice.post(world.client, approve, b"")).status_code == 200
    approved = (await world.client.get(url)).json()
    assert approved["totalItems"] == 1
    assert approved["orderedItems"][0]["content"] == "<p>first</p>"
    assert approved["orderedItems"][0]["id"] == note["id"]


async def test_likes_count_for_anyone(world) -> None:
    bob = world.remote.actor("bob")
    world.inbox.app.state.settings.admins.append(bob.handle)  # admins are allowed: approved at once
    await bob.post(world.client, world.alice_inbox, bob.activity("Like", world.post_url()))
    await world.inbox.settle()
    url = world.inbox.url(f"/v1/{world.mention}/inbox/likes/{quote(world.post_url(), safe='')}")
    answer = (await world.client.get(url)).json()
    assert answer["totalItems"] == 1 and "orderedItems" not in answer


async def test_healthz_readyz_metrics_and_openapi(world) -> None:
    assert (await world.client.get(world.inbox.url("/healthz"))).json() == {"status": "ok"}
    ready = await world.client.get(world.inbox.url("/readyz"))
    assert ready.status_code == 200 and ready.json()["schema_version"] >= 1
    bob = world.remote.actor("bob")
    await world.client.post(world.alice_inbox, content=b"{}")
    await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    metrics = await world.client.get(world.inbox.url("/metrics"))
    text = metrics.text
    assert 'fedipress_inbox_signature_failures_total{reason="missing"}' in text
    assert 'route="/v1/{actor}/inbox",status="202"' in text
    assert "fedipress_inbox_queue_depth" in text
    assert metrics.headers["x-request-id"]
    schema = await world.client.get(world.inbox.url("/schema/openapi.json"))
    assert "/v1/{actor}/inbox" in schema.json()["paths"]


async def test_unknown_route_is_json_404(world) -> None:
    answer = await world.client.get(world.inbox.url("/nope"))
    assert answer.status_code == 404 and set(answer.json()) == {"error", "detail"}


async def test_inbox_with_private_fetch_off_refuses_loopback_keys_without_fetching(tmp_path) -> None:
    from tests.support.remote import FakeFediverse

    async with FakeFediverse() as remote, running_inbox(database=str(tmp_path / "i.sqlite3"),
                                                        allow_private_fetch=False) as inbox:
        async with httpx.AsyncClient() as client:
            bob = remote.actor("bob")
            answer = await bob.post(client, inbox.url("/v1/inbox"), bob.follow(f"{remote.base}/users/x"))
        assert answer.status_code == 401
        assert remote.received == []
        assert await inbox.count("activities") == 0


def test_a_private_key_reaching_a_log_line_is_redacted_whole() -> None:
    """Not just its BEGIN/END markers: the base64 body is the secret."""
    from inbox.logs import JsonFormatter
    from tests.support.remote import test_keypair

    private_pem, _ = test_keypair(0)
    secret_line = private_pem.splitlines()[3]
    try:
        raise ValueError(f"could not use {private_pem}")
    except ValueError as exc:
        record = logging.LogRecord("inbox.test", logging.ERROR, __file__, 1, "key was %s", (private_pem,),
                                   (type(exc), exc, exc.__traceback__))
    record.detail = {"nested": private_pem}
    line = JsonFormatter().format(record)
    assert secret_line not in line
    assert "PRIVATE KEY" not in line
    assert json.loads(line)["logger"] == "inbox.test"


async def test_activity_metrics_count_made_up_types_as_other(world) -> None:
    bob = world.remote.actor("bob")
    made_up = dict(bob.follow(world.alice.id), type="Zqxmadeuptype", id=f"{bob.id}/made-up/1")
    assert (await bob.post(world.client, world.alice_inbox, made_up)).status_code == 202
    assert (await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))).status_code == 202
    text = (await world.client.get(world.inbox.url("/metrics"))).text
    assert "Zqxmadeuptype" not in text
    assert 'fedipress_inbox_activities_total{result="new",type="other"}' in text
    assert 'fedipress_inbox_activities_total{result="new",type="Follow"}' in text


async def test_request_ids_differ_between_requests(world) -> None:
    ids = {(await world.client.get(world.inbox.url("/healthz"))).headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5 and all(len(i) == 16 for i in ids)


async def test_another_document_on_the_same_host_claiming_the_username_is_not_the_owner(world) -> None:
    """Once @alice is registered, only her registered actor document (or an admin) manages her:
    a second actor on her host whose preferredUsername is also "alice" cannot take her over."""
    name = world.mention.split("@")[1]
    impostor = world.blog.actor("impostor", key_index=5, extra={"preferredUsername": name})
    assert impostor.handle != world.mention and impostor.document()["preferredUsername"] == name
    url = world.inbox.url(f"/v1/{world.mention}")
    answer = await impostor.post(world.client, url, registration(impostor))
    assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
    followers = await impostor.get(world.client, world.inbox.url(f"/v1/{world.mention}/followers"))
    assert followers.status_code in (200, 403) and "orderedItems" not in followers.text
    still = await world.alice.get(world.client, url)
    assert still.status_code == 200 and still.json()["actorUrl"] == world.alice.id
