"""The inbox's doctor routes refuse what they must, with the right 4xx and a JSON reason:
unsigned or foreign-signed requests, bad parameters; the instance actor's inbox takes only
verified requests, and an Accept from anyone but the followed blog never ends a round trip."""

from __future__ import annotations

import asyncio

import httpx

from sitegen.social import register_site
from tests.social.site_world import site_world
from tests.support.remote import FakeFediverse


def error_of(answer: httpx.Response) -> str:
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    return answer.json()["error"]


async def test_unsigned_and_foreign_requests_are_refused_with_a_json_reason(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as http:
        await world.call(register_site, world.root)
        peer_url = world.inbox.url(f"/v1/{world.mention}/doctor/peer?host=social.example")
        answer = await http.get(peer_url)
        assert answer.status_code == 401 and error_of(answer)
        bob = remote.actor("bob")
        answer = await bob.get(http, peer_url)
        assert answer.status_code == 403 and error_of(answer) == "forbidden"
        trip = world.inbox.url(f"/v1/{world.mention}/doctor/round-trip")
        answer = await bob.post(http, trip, {})
        assert answer.status_code == 403 and error_of(answer) == "forbidden"
        answer = await http.post(world.inbox.url("/actor/inbox"), content=b"{}",
                                 headers={"Content-Type": "application/activity+json"})
        assert answer.status_code == 401 and error_of(answer)


async def test_bad_parameters_are_400_with_the_reason(tmp_path):
    async with site_world(tmp_path) as world:
        await world.call(register_site, world.root)
        for suffix, error in (("/doctor/peer", "bad_host"), ("/doctor/peer?host=a/b", "bad_host"),
                              ("/doctor/peer?who=nobody", "bad_mention")):
            answer = await world.as_blog("GET", suffix)
            assert answer.status == 400 and answer.data["error"] == error, (suffix, answer.text)
        for wait in ("soon", "nan", "inf"):
            answer = await world.as_blog("POST", f"/doctor/round-trip?wait={wait}")
            assert answer.status == 400 and answer.data["error"] == "bad_wait", wait


async def test_an_accept_signed_by_someone_else_never_ends_the_wait(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as http:
        await world.call(register_site, world.root)
        pending = world.inbox.app.state.doctor_accepts
        follow_id = world.inbox.url("/actor/doctor/follow/test")
        answer_of_blog = pending.expect(follow_id, f"{world.base_url}/ap/actor.json")
        mallory = remote.actor("mallory")
        forged = {"id": f"{mallory.id}/accept/1", "type": "Accept", "actor": mallory.id,
                  "object": follow_id}
        answer = await mallory.post(http, world.inbox.url("/actor/inbox"), forged)
        assert answer.status_code == 202  # verified, and kept nothing
        await asyncio.sleep(0.05)
        assert not answer_of_blog.done()
        pending.forget(follow_id)


async def test_what_no_round_trip_waits_for_costs_the_instance_inbox_no_fetch(tmp_path):
    """The instance actor's inbox keeps nothing: a signed Like, or an Accept of a Follow no
    doctor sent, is answered 202 without fetching the sender's key."""
    async with site_world(tmp_path) as world, FakeFediverse() as remote, \
            httpx.AsyncClient(timeout=10) as http:
        await world.call(register_site, world.root)
        mallory = remote.actor("mallory")
        like = mallory.activity("Like", world.post_id("first"))
        accept = {"id": f"{mallory.id}/accept/2", "type": "Accept", "actor": mallory.id,
                  "object": world.inbox.url("/actor/doctor/follow/nobody-sent-this")}
        for activity in (like, accept):
            answer = await mallory.post(http, world.inbox.url("/actor/inbox"), activity)
            assert answer.status_code == 202, answer.text
        assert remote.fetches == []
