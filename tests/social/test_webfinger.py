"""WebFinger answers as deployed servers give them, and the limits on reading them."""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest
from aiohttp import web

from sitegen.social.webfinger import (MAX_BYTES, REFRESH_SECONDS, Resolver, Unresolved,
                                      actor_from_jrd, due)
from tests.support.loopback import serve_catch_all

ACTOR = "https://social.example/users/bob"


def test_the_self_link_is_the_actor_id_and_the_profile_page_the_link():
    jrd = {"subject": "acct:bob@social.example", "links": [
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
         "href": "https://social.example/@bob"},
        {"rel": "self", "type": "application/activity+json", "href": ACTOR}]}
    assert actor_from_jrd(jrd) == {"id": ACTOR, "url": "https://social.example/@bob"}


def test_an_ld_json_self_link_with_the_activitystreams_profile_counts():
    jrd = {"links": [{"rel": "self", "href": ACTOR, "type":
                      'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}]}
    assert actor_from_jrd(jrd) == {"id": ACTOR, "url": ACTOR}


@pytest.mark.parametrize("jrd", [
    {"links": [{"rel": "self", "type": "text/html", "href": ACTOR}]},
    {"links": [{"rel": "self", "type": "application/activity+json", "href": "javascript:x"}]},
    {"links": "nope"}, [], "text",
])
def test_an_answer_without_an_activitypub_self_link_resolves_nothing(jrd):
    with pytest.raises(Unresolved):
        actor_from_jrd(jrd)


def test_due_are_new_failed_and_week_old_handles_only():
    now = 1_800_000_000.0
    fresh = "2027-01-15T08:00:00Z"  # shortly before `now`
    entries = {"@fresh@a.example": {"id": ACTOR, "checked": fresh},
               "@failed@a.example": {"error": "HTTP 404", "checked": fresh},
               "@old@a.example": {"id": ACTOR, "checked": "2020-01-01T00:00:00Z"}}
    handles = ["@new@a.example", *entries]
    assert due(entries, handles, now) == ["@failed@a.example", "@new@a.example", "@old@a.example"]
    assert REFRESH_SECONDS >= 86400


async def test_a_gzip_bomb_is_refused_without_reading_it_whole():
    bomb = gzip.compress(b"{" + b" " * (64 * MAX_BYTES) + b"}")

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Type": "application/jrd+json",
                                                "Content-Encoding": "gzip"})

    runner, base = await serve_catch_all(handler)
    resolver = Resolver(allow_private=True)
    try:
        with pytest.raises(Unresolved, match="over"):
            await asyncio.to_thread(resolver.resolve, f"@bob@{base.split('://')[1]}")
    finally:
        resolver.close()
        await runner.cleanup()


async def test_a_compressed_answer_is_read():
    async def handler(request: web.Request) -> web.Response:
        jrd = {"links": [{"rel": "self", "type": "application/activity+json",
                          "href": f"http://{request.host}/users/bob"}]}
        return web.Response(body=gzip.compress(json.dumps(jrd).encode()),
                            headers={"Content-Type": "application/jrd+json",
                                     "Content-Encoding": "gzip"})

    runner, base = await serve_catch_all(handler)
    resolver = Resolver(allow_private=True)
    try:
        host = base.split("://")[1]
        found = await asyncio.to_thread(resolver.resolve, f"@bob@{host}")
        assert found["id"] == f"http://{host}/users/bob"
    finally:
        resolver.close()
        await runner.cleanup()


async def finger_server() -> tuple[web.AppRunner, str, dict[str, str]]:
    """A WebFinger endpoint answering from a dict filled after it started: resource -> actor id
    of its self link (404 for the others). Returns the runner, its host and the dict."""
    answers: dict[str, str] = {}

    async def handler(request: web.Request) -> web.Response:
        actor = answers.get(request.query.get("resource", ""))
        if actor is None:
            return web.Response(status=404)
        jrd = {"links": [{"rel": "self", "type": "application/activity+json", "href": actor}]}
        return web.json_response(jrd, content_type="application/jrd+json")

    runner, base = await serve_catch_all(handler)
    return runner, base.split("://")[1], answers


async def test_a_handle_naming_an_actor_on_another_host_needs_that_host_to_confirm():
    """A domain may delegate its accounts (example.com -> social.example.com); a host that
    names someone else's actor for a handle of its own is not believed."""
    home, home_host, home_answers = await finger_server()
    other, other_host, other_answers = await finger_server()
    admin, bob = f"http://{home_host}/users/admin", f"http://{home_host}/users/bob"
    home_answers[f"acct:bob@{home_host}"] = bob  # the actor's host confirms bob, not admin
    other_answers[f"acct:admin@{other_host}"] = admin  # a lie
    other_answers[f"acct:bob@{other_host}"] = bob  # a delegation
    resolver = Resolver(allow_private=True)
    try:
        with pytest.raises(Unresolved, match="does not confirm"):
            await asyncio.to_thread(resolver.resolve, f"@admin@{other_host}")
        found = await asyncio.to_thread(resolver.resolve, f"@bob@{other_host}")
    finally:
        resolver.close()
        await home.cleanup()
        await other.cleanup()
    assert found == {"id": bob, "url": bob}
