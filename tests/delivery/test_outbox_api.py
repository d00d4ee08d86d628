"""POST /v1/:actor/outbox and GET its status, on a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import aiohttp
import pytest
import uvicorn
from litestar import Litestar
from litestar.exceptions import HTTPException, NotAuthorizedException

from inbox.api import outbox as outbox_api
from inbox.api.http import error_response, problem_of
from inbox.delivery import backfill_new_follower
from tests.delivery.conftest import ACTOR, ACTOR_URL, SETTINGS, add_follower, note_activity

OWNER = {"X-Test-Owner": "yes"}
LIMIT = 256 * 1024  # the hostile-JSON bodies below stay under it


@pytest.fixture
async def api(db, clock, monkeypatch):
    """The outbox routes served by uvicorn; auth stands in for inbox.auth (tested there)."""

    async def fake_authorize(request, actor):
        if request.headers.get("x-test-owner") != "yes":
            raise NotAuthorizedException("not the owner")

    monkeypatch.setattr(outbox_api, "require_owner_or_admin", fake_authorize)
    app = Litestar(route_handlers=outbox_api.ROUTES,
                   exception_handlers={HTTPException: lambda _, exc: error_response(*problem_of(exc))})
    app.state.db, app.state.clock = db, clock
    app.state.settings = SimpleNamespace(**vars(SETTINGS), max_body_bytes=LIMIT)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
        yield session
    server.should_exit = True
    await task


async def test_publish_answers_202_with_status_link_and_status_counts_deliveries(api, db, worker, receivers):
    follower = await receivers()
    await add_follower(db, "https://f.example/u/1", follower.url("/u/1/inbox"))
    other = await receivers()
    await add_follower(db, "https://o.example/u/2", other.url("/u/2/inbox"), other.url("/shared"))
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Create"), headers=OWNER) as r:
        assert r.status == 202, await r.text()
        body = await r.json()
        location = r.headers["Location"]
    assert location == body["status"] == f"/v1/{ACTOR}/outbox/{body['id']}"
    assert body["deliveries"] == {"pending": 2, "delivered": 0, "failed": 0}
    assert follower.hits == []  # answered before any delivery

    await worker.run_once()
    async with api.get(location, headers=OWNER) as r:
        status = await r.json()
    assert status["deliveries"] == {"pending": 0, "delivered": 2, "failed": 0, "total": 2}
    assert status["activity"]["id"] == note_activity("Create")["id"]
    assert [h.path for h in follower.delivered()] == ["/u/1/inbox"]
    assert [h.path for h in other.delivered()] == ["/shared"]


async def test_publishing_the_same_activity_twice_queues_it_once(api, db, receivers):
    follower = await receivers()
    await add_follower(db, "https://f.example/u/1", follower.url("/u/1/inbox"))
    ids = []
    for _ in range(2):
        async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Create"), headers=OWNER) as r:
            assert r.status == 202
            ids.append((await r.json())["id"])
    assert ids[0] == ids[1]
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM deliveries"))["n"] == 1


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"actor": "https://elsewhere.example/actor"}, 422, "invalid_activity"),
        ({"id": "https://elsewhere.example/a/1"}, 422, "invalid_activity"),
        ({"to": [], "cc": []}, 422, "invalid_activity"),
        ({"type": "Follow"}, 422, "invalid_activity"),
    ],
)
async def test_activity_not_from_the_blog_or_unaddressed_is_refused(api, change, status, error):
    async with api.post(f"/v1/{ACTOR}/outbox", json={**note_activity("Create"), **change}, headers=OWNER) as r:
        assert r.status == status
        assert (await r.json())["error"] == error


async def test_bad_json_unknown_actor_and_unknown_status_are_clear_4xx(api):
    async with api.post(f"/v1/{ACTOR}/outbox", data=b"{not json", headers=OWNER) as r:
        assert r.status == 400 and (await r.json())["error"] == "invalid_json"
    async with api.post("/v1/@bob@blog.example/outbox", json=note_activity("Create"), headers=OWNER) as r:
        assert r.status == 404 and (await r.json())["error"] == "not_found"
    async with api.get(f"/v1/{ACTOR}/outbox/nope", headers=OWNER) as r:
        assert r.status == 404 and (await r.json())["error"] == "not_found"


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,          # deep nesting: RecursionError, not a 500
    b'{"type": "Create", "type": "Delete"}',  # duplicate keys
    b'{"type": "Create", "x": NaN}',
    b"[]",
])
async def test_hostile_json_published_by_the_owner_is_a_400(api, db, body):
    async with api.post(f"/v1/{ACTOR}/outbox", data=body, headers=OWNER) as r:
        assert r.status == 400 and (await r.json())["error"] == "invalid_json"
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM deliveries"))["n"] == 0


async def test_a_body_over_max_body_bytes_is_a_413_and_nothing_is_stored(api, db):
    activity = {**note_activity("Create"), "padding": "x" * LIMIT}
    async with api.post(f"/v1/{ACTOR}/outbox", json=activity, headers=OWNER) as r:
        assert r.status == 413 and (await r.json())["error"] == "too_large"
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM outbox_activities"))["n"] == 0


async def test_publish_without_owner_authorization_is_refused(api, db):
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Create")) as r:
        assert r.status == 401
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM outbox_activities"))["n"] == 0


async def test_bcc_is_not_sent_to_recipients(api, db, worker, receivers):
    follower = await receivers()
    await add_follower(db, "https://f.example/u/1", follower.url("/u/1/inbox"))
    activity = {**note_activity("Create"), "bcc": ["https://secret.example/u/1"]}
    async with api.post(f"/v1/{ACTOR}/outbox", json=activity, headers=OWNER) as r:
        assert r.status == 202
    row = await db.fetchone("SELECT body FROM delivery_jobs")
    assert "bcc" not in json.loads(row["body"])


async def test_delete_also_reaches_inboxes_that_are_no_longer_followers(api, db, worker, receivers):
    stays, left = await receivers(), await receivers()
    await add_follower(db, "https://s.example/u", stays.url())
    await add_follower(db, "https://l.example/u", left.url())
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Create"), headers=OWNER) as r:
        assert r.status == 202
    await worker.run_once()
    await db.execute("DELETE FROM followers WHERE follower_id = 'https://l.example/u'")
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Update", 2), headers=OWNER) as r:
        assert (await r.json())["deliveries"]["pending"] == 1
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Delete"), headers=OWNER) as r:
        assert (await r.json())["deliveries"]["pending"] == 2
    await worker.run_once()
    await worker.run_once()
    assert [h.activity_type for h in left.delivered()] == ["Create", "Delete"]
    assert [h.activity_type for h in stays.delivered()] == ["Create", "Update", "Delete"]


async def test_new_follower_backfill_goes_to_the_followers_inbox(api, db, worker, receivers, clock):
    newcomer, ours = await receivers(), await receivers()
    for n in range(3):
        post = note_activity("Create", n, obj=f"https://blog.example/ap/posts/p{n}.json")
        async with api.post(f"/v1/{ACTOR}/outbox", json=post, headers=OWNER) as r:
            assert r.status == 202
        clock.advance(60)
    private = {**note_activity("Create", 9, obj="https://blog.example/ap/posts/private.json"),
               "to": [f"{ACTOR_URL}/followers"], "cc": []}
    private["object"] = {**private["object"], "to": [f"{ACTOR_URL}/followers"]}
    async with api.post(f"/v1/{ACTOR}/outbox", json=private, headers=OWNER) as r:
        assert r.status == 202
    jobs = await backfill_new_follower(db, actor=ACTOR, follower_inbox=newcomer.url("/users/new/inbox"),
                                       count=2, now=clock())
    assert len(jobs) == 2
    await worker.run_once()
    assert [h.activity_id for h in newcomer.delivered()] == [
        "https://blog.example/ap/posts/p1.json#create-1",
        "https://blog.example/ap/posts/p2.json#create-2",
    ]
    assert {h.path for h in newcomer.hits} == {"/users/new/inbox"}
    assert ours.hits == []


async def test_a_delete_reaches_a_server_with_a_shared_inbox_once_like_its_create(
        api, db, worker, receivers, clock):
    """Three followers on one server behind its shared inbox; each also got a personal delivery
    earlier (the backfill a new follower gets). The Create went to the shared inbox once; so
    must the Delete, not once more to every personal inbox there."""
    server = await receivers()
    for user in ("a", "b", "c"):
        await add_follower(db, f"{server.url()}/users/{user}", server.url(f"/users/{user}/inbox"),
                           server.url("/inbox"))
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Create"), headers=OWNER) as r:
        assert r.status == 202
    for user in ("a", "b", "c"):
        await backfill_new_follower(db, actor=ACTOR, follower_inbox=server.url(f"/users/{user}/inbox"),
                                    count=1, now=clock())
    await worker.run_once()
    server.hits.clear()
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Delete"), headers=OWNER) as r:
        assert (await r.json())["deliveries"]["pending"] == 1
    await worker.run_once()
    assert [(h.path, h.activity_type) for h in server.delivered()] == [("/inbox", "Delete")]


async def test_a_server_without_a_shared_inbox_still_gets_each_followers_own_inbox(api, db, worker, receivers):
    server = await receivers()
    for user in ("a", "b"):
        await add_follower(db, f"{server.url()}/users/{user}", server.url(f"/users/{user}/inbox"))
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Create"), headers=OWNER) as r:
        assert r.status == 202
    await worker.run_once()
    async with api.post(f"/v1/{ACTOR}/outbox", json=note_activity("Delete"), headers=OWNER) as r:
        assert (await r.json())["deliveries"]["pending"] == 2
    await worker.run_once()
    assert sorted(h.path for h in server.delivered() if h.activity_type == "Delete") == [
        "/users/a/inbox", "/users/b/inbox"]


def test_one_per_server_folds_personal_inboxes_into_the_shared_inbox_their_followers_name():
    from inbox.delivery.queue import one_per_server

    followers = [("https://social.example/users/a/inbox", "https://relay.social.example/inbox"),
                 ("https://plain.example/users/c/inbox", None)]
    targets = ["https://relay.social.example/inbox", "https://social.example/users/b/inbox",
               "https://plain.example/users/c/inbox", "https://plain.example/users/d/inbox"]
    assert one_per_server(targets, followers) == [
        "https://relay.social.example/inbox", "https://plain.example/users/c/inbox",
        "https://plain.example/users/d/inbox"]
