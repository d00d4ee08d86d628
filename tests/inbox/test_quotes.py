"""QuoteRequest (FEP-044f) answered from the post's published ``interactionPolicy``: a signed
Accept whose ``result`` is a stamp on the blog's host, or a Reject; accepted quotes count."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from fedicore import documents, quotes
from fedicore.vocab import PUBLIC
from tests.support.remote import verify_received
from tests.support.server import eventually

REQUEST_CONTEXT = ["https://www.w3.org/ns/activitystreams",
                   {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}]


def _serve_post(world, slug: str, policy: str | None) -> str:
    """The blog's post document, with the policy the build would publish."""
    info = documents.PostInfo(
        id=world.post_url(slug), url=world.post_url(slug), attributed_to=world.alice.id,
        followers=f"{world.inbox.base}/v1/{world.mention}/followers", content_html="<p>hi</p>",
        published="2026-01-01T00:00:00Z",
        interaction_policy=quotes.interaction_policy(
            policy, actor_id=world.alice.id, followers=f"{world.inbox.base}/v1/{world.mention}/followers")
        if policy else None)
    world.blog.serve(f"/ap/posts/{slug}.json", documents.post_document(info))
    return info.id


def _quote_request(bob, post: str, *, instrument: str | None = None) -> dict:
    note = bob.note(f'<p>quoting <a href="{post}">this</a></p>')
    note["quote"] = post
    return {"@context": REQUEST_CONTEXT, "id": bob.new_id("quote_requests"), "type": "QuoteRequest",
            "actor": bob.id, "object": post, "instrument": instrument or note}


async def _send(world, actor, activity) -> None:
    answer = await actor.post(world.client, world.alice_inbox, activity)
    assert answer.status_code == 202, answer.text
    await world.inbox.settle()


async def _quote_count(world, post: str) -> dict:
    url = world.inbox.url(f"/v1/{world.mention}/inbox/quotes/{quote(post, safe='')}")
    return (await world.client.get(url)).json()


async def test_quote_of_a_public_post_is_accepted_with_a_stamp_on_the_blogs_host(world) -> None:
    post = _serve_post(world, "hello", "public")
    bob = world.remote.actor("bob")
    request = _quote_request(bob, post)
    await _send(world, bob, request)
    [accept] = await eventually(lambda: world.remote.delivered("Accept"))
    received = next(r for r in world.remote.deliveries if r.json()["type"] == "Accept")
    assert verify_received(received, bob.inbox, world.alice.public_pem)
    assert accept["actor"] == world.alice.id and accept["object"]["id"] == request["id"]
    assert accept["object"]["type"] == "QuoteRequest"
    stamp_url = accept["result"]
    # on the blog's host, beside its actor document (a site's is <base>/ap/actor.json)
    assert stamp_url.startswith(f"{world.alice.id.rpartition('/')[0]}/quotes/") and stamp_url.endswith(".json")

    token = stamp_url.rpartition("/")[2]
    answer = await world.client.get(world.inbox.url(f"/v1/{world.mention}/quotes/{token}"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/activity+json")
    stamp = answer.json()
    assert (stamp["id"], stamp["type"], stamp["attributedTo"]) == (stamp_url, "QuoteAuthorization", world.alice.id)
    assert (stamp["interactingObject"], stamp["interactionTarget"]) == (request["instrument"]["id"], post)
    counted = await _quote_count(world, post)
    assert counted["totalItems"] == 1 and counted["orderedItems"] == [stamp]


async def test_quote_of_a_post_nobody_may_quote_is_rejected(world) -> None:
    post = _serve_post(world, "hello", "nobody")
    bob = world.remote.actor("bob")
    request = _quote_request(bob, post)
    await _send(world, bob, request)
    [reject] = await eventually(lambda: world.remote.delivered("Reject"))
    assert reject["object"]["id"] == request["id"] and "result" not in reject
    assert (await _quote_count(world, post))["totalItems"] == 0
    assert world.remote.delivered("Accept") == []


@pytest.mark.parametrize("follows", [False, True])
async def test_followers_only_quote_policy_accepts_followers_only(world, follows: bool) -> None:
    post = _serve_post(world, "hello", "followers")
    bob = world.remote.actor("bob")
    if follows:
        await _send(world, bob, bob.follow(world.alice.id))
        await eventually(lambda: world.remote.delivered("Accept"))
        world.remote.received.clear()
    await _send(world, bob, _quote_request(bob, post))
    answer = await eventually(lambda: [r for r in world.remote.deliveries
                                       if r.json()["type"] in ("Accept", "Reject")])
    assert answer[0].json()["type"] == ("Accept" if follows else "Reject")


async def test_post_built_before_policies_may_be_quoted_by_anyone(world) -> None:
    post = _serve_post(world, "old", None)
    bob = world.remote.actor("bob")
    await _send(world, bob, _quote_request(bob, post))
    assert await eventually(lambda: world.remote.delivered("Accept"))


async def test_quote_request_for_something_not_the_blogs_is_dropped(world) -> None:
    bob = world.remote.actor("bob")
    await _send(world, bob, _quote_request(bob, f"{world.remote.base}/users/x/statuses/1"))
    assert world.remote.deliveries == []


async def test_quote_request_whose_quoting_post_is_on_another_host_is_dropped(world) -> None:
    post = _serve_post(world, "hello", "public")
    bob = world.remote.actor("bob")
    await _send(world, bob, _quote_request(bob, post, instrument="https://elsewhere.example/notes/1"))
    assert world.remote.deliveries == [] and (await _quote_count(world, post))["totalItems"] == 0


async def test_deleting_the_quoting_post_removes_the_quote(world) -> None:
    post = _serve_post(world, "hello", "public")
    bob = world.remote.actor("bob")
    request = _quote_request(bob, post)
    await _send(world, bob, request)
    assert (await _quote_count(world, post))["totalItems"] == 1
    await _send(world, bob, bob.activity("Delete", {"id": request["instrument"]["id"], "type": "Tombstone"}))
    assert (await _quote_count(world, post))["totalItems"] == 0


def test_interaction_policy_is_published_for_each_setting() -> None:
    actor, followers = "https://blog.example/ap/actor.json", "https://inbox.example/f"
    assert quotes.interaction_policy("public", actor_id=actor, followers=followers) == \
        {"canQuote": {"automaticApproval": [PUBLIC]}}
    assert quotes.interaction_policy("followers", actor_id=actor, followers=followers) == \
        {"canQuote": {"automaticApproval": [followers]}}
    # only the author: Mastodon reads this as "quotes disabled"
    assert quotes.interaction_policy("nobody", actor_id=actor, followers=followers) == \
        {"canQuote": {"automaticApproval": [actor]}}


async def test_a_quote_request_asked_again_with_a_new_id_counts_once(world) -> None:
    post = _serve_post(world, "hello", "public")
    bob = world.remote.actor("bob")
    first = _quote_request(bob, post)
    again = dict(first, id=bob.new_id("quote_requests"))
    await _send(world, bob, first)
    await _send(world, bob, again)
    assert (await _quote_count(world, post))["totalItems"] == 1
