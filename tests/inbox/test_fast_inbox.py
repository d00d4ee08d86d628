"""Deliveries take the fast path (``inbox.api.fast_inbox``); what it leaves to Litestar is
answered by the same code, so the two give the same answers to the same requests."""

from __future__ import annotations

import pytest

from inbox.api.fast_inbox import ACTOR_TEMPLATE, SHARED_PATH, delivery_route


def _scope(path: str, method: str = "POST", root_path: str = "") -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": root_path}


@pytest.mark.parametrize(("path", "method", "root_path", "expected"), [
    ("/v1/inbox", "POST", "", SHARED_PATH),
    ("/v1/@alice@blog.example/inbox", "POST", "", ACTOR_TEMPLATE),
    ("/v1/@alice@blog.example/inbox", "GET", "", None),
    ("/v1/@alice@blog.example/inbox/", "POST", "", None),
    ("/v1//inbox", "POST", "", None),
    ("/v1/a/b/inbox", "POST", "", None),
    ("/v1/@alice@blog.example/outbox", "POST", "", None),
    ("/v1/inbox", "POST", "/mounted", None),
])
def test_only_exact_delivery_posts_take_the_fast_path(path, method, root_path, expected) -> None:
    assert delivery_route(_scope(path, method, root_path)) == expected


async def _both(world, body: bytes, headers: dict[str, str] | None = None):
    """The same request to the fast path and (trailing slash) to Litestar's route."""
    answers = []
    for url in (world.alice_inbox, world.alice_inbox + "/"):
        answer = await world.client.post(url, content=body, headers=headers or {})
        answers.append((answer.status_code, answer.json() if answer.content else None,
                        answer.headers.get("content-type"), bool(answer.headers.get("x-request-id"))))
    return answers


async def test_an_unsigned_delivery_gets_the_same_answer_from_both_paths(world) -> None:
    fast, routed = await _both(world, b'{"type": "Follow"}')
    assert fast == routed
    assert fast[0] == 401 and set(fast[1]) == {"error", "detail"} and fast[3]


async def test_a_signed_delivery_is_accepted_by_both_paths(world) -> None:
    bob = world.remote.actor("bob")
    for url in (world.alice_inbox, world.alice_inbox + "/"):
        answer = await bob.post(world.client, url, bob.follow(world.alice.id))  # signed for url
        assert answer.status_code == 202, answer.text
        assert answer.headers["content-type"] == "application/json" and answer.headers["x-request-id"]
    await world.inbox.settle()
    assert await world.inbox.count("activities") == 2


async def test_unknown_and_malformed_actors_get_json_404s(world) -> None:
    for segment in ("@nobody@blog.example", "not-a-mention"):
        answer = await world.client.post(world.inbox.url(f"/v1/{segment}/inbox"), content=b"{}")
        assert answer.status_code == 404 and answer.json()["error"] == "unknown_actor"


async def test_fast_path_requests_are_counted_under_their_route(world) -> None:
    await world.client.post(world.alice_inbox, content=b"{}")
    await world.client.post(world.inbox.url("/v1/inbox"), content=b"{}")
    text = (await world.client.get(world.inbox.url("/metrics"))).text
    assert 'route="/v1/{actor}/inbox",status="401"' in text
    assert 'route="/v1/inbox",status="401"' in text


async def test_deliveries_reach_the_fast_path_and_unusual_paths_do_not(world) -> None:
    app = world.inbox.app
    seen: list[str] = []
    original = app.fast_inbox

    async def spy(scope, receive, send) -> None:
        seen.append(scope["path"])
        await original(scope, receive, send)

    app.fast_inbox = spy
    try:
        await _both(world, b'{"type": "Follow"}')
        await world.client.post(world.inbox.url("/v1/inbox"), content=b"{}")
    finally:
        app.fast_inbox = original
    path = world.alice_inbox.split(world.inbox.base, 1)[1]
    assert seen == [path, "/v1/inbox"]


async def test_a_bad_host_header_is_400_on_both_paths(world) -> None:
    fast, routed = await _both(world, b"{}", {"Host": "a b"})
    assert fast[0] == routed[0] == 400 and fast[1]["error"] in ("bad_host", "bad_request")


async def test_a_client_leaving_mid_body_gets_no_500_on_either_path(world) -> None:
    import asyncio

    host, port = world.inbox.base.split("://")[1].split(":")
    for path in (world.alice_inbox.split(world.inbox.base, 1)[1], "/v1/inbox/"):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 500\r\n\r\n{{".encode())
        await writer.drain()
        writer.close()
    wanted = ('route="/v1/{actor}/inbox",status="400"', 'route="/v1/inbox",status="400"')
    text = ""
    for _ in range(50):
        text = (await world.client.get(world.inbox.url("/metrics"))).text
        if all(line in text for line in wanted):
            break
        await asyncio.sleep(0.1)
    assert all(line in text for line in wanted) and 'status="500"' not in text, \
        [line for line in text.splitlines() if "requests_total{" in line]
