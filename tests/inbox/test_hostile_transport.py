"""hostile-inputs.md, "Transport and signature": each sent to the running inbox; the answer and
that nothing was stored, delivered or fetched."""

from __future__ import annotations

import json
import time

import pytest

from inbox.storage import moderation as moderation_store
from tests.inbox.hostile import assert_nothing_happened


def body_of(activity: dict) -> bytes:
    return json.dumps(activity).encode()


async def test_declared_body_over_one_mib_is_413_before_any_fetch(world) -> None:
    bob = world.remote.actor("bob")
    body = b'{"x":"' + b"a" * (1024 * 1024) + b'"}'
    answer = await bob.post(world.client, world.alice_inbox, body)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    await assert_nothing_happened(world)


async def test_streamed_chunked_body_over_one_mib_is_413(world) -> None:
    bob = world.remote.actor("bob")
    headers = bob.sign("POST", world.alice_inbox, b"{}")

    async def chunks():
        for _ in range(20):
            yield b"a" * 65536

    answer = await world.client.post(world.alice_inbox, content=chunks(), headers=headers)
    assert answer.status_code == 413
    await assert_nothing_happened(world)


async def test_unsigned_post_is_401(world) -> None:
    bob = world.remote.actor("bob")
    answer = await world.client.post(world.alice_inbox, content=body_of(bob.follow(world.alice.id)),
                                     headers={"Content-Type": "application/activity+json"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_signature"
    await assert_nothing_happened(world)


def _tamper(headers: dict[str, str], change) -> dict[str, str]:
    return {**headers, "Signature": change(headers["Signature"])}


def _drop_param(name: str):
    def change(value: str) -> str:
        return ",".join(part for part in value.split(",") if not part.startswith(name + "="))
    return change


@pytest.mark.parametrize("change", [
    pytest.param(lambda v: "garbage without params", id="garbage"),
    pytest.param(lambda v: v + ',keyId="https://evil.example/k"', id="duplicated-keyId"),
    pytest.param(_drop_param("keyId"), id="missing-keyId"),
    pytest.param(_drop_param("signature"), id="missing-signature"),
    pytest.param(lambda v: v.replace('algorithm="rsa-sha256"', 'algorithm="rsa-sha1"'), id="rsa-sha1"),
    pytest.param(lambda v: v.replace('algorithm="rsa-sha256"', 'algorithm="hmac-sha256"'), id="hmac"),
])
async def test_malformed_or_foreign_signature_header_is_401(world, change) -> None:
    bob = world.remote.actor("bob")
    body = body_of(bob.follow(world.alice.id))
    headers = _tamper(bob.sign("POST", world.alice_inbox, body), change)
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world)


@pytest.mark.parametrize(("scheme", "covered"), [
    pytest.param("cavage", ["(request-target)", "host", "date", "content-type"], id="cavage-no-digest"),
    pytest.param("cavage", ["(request-target)", "host", "digest"], id="cavage-no-date"),
    pytest.param("rfc9421", ["@method", "@target-uri", "@authority", "date"], id="rfc9421-no-content-digest"),
    pytest.param("rfc9421", ["@target-uri", "@authority", "date", "content-digest"], id="rfc9421-no-method"),
])
async def test_post_signature_not_covering_what_it_must_is_401(world, scheme, covered) -> None:
    bob = world.remote.actor("bob")
    body = body_of(bob.follow(world.alice.id))
    headers = bob.sign("POST", world.alice_inbox, body, scheme=scheme, covered=covered)
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_rfc9421_signature_is_accepted(world) -> None:
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id), scheme="rfc9421")
    assert answer.status_code == 202, answer.text


@pytest.mark.parametrize("digest", [
    pytest.param("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", id="other-body"),
    pytest.param("SHA-256=" + "ab" * 32, id="hex"),
    pytest.param("SHA-512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==", id="sha512"),
])
async def test_digest_not_matching_the_body_is_401(world, digest) -> None:
    bob = world.remote.actor("bob")
    body = body_of(bob.follow(world.alice.id))
    headers = bob.sign("POST", world.alice_inbox, body, headers={"Digest": digest},
                       covered=["(request-target)", "host", "date", "digest"])
    headers["Digest"] = digest
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_body_changed_after_signing_is_401(world) -> None:
    bob = world.remote.actor("bob")
    body = body_of(bob.follow(world.alice.id))
    headers = bob.sign("POST", world.alice_inbox, body)
    changed = body.replace(b"Follow", b"Flag")
    answer = await world.client.post(world.alice_inbox, content=changed, headers=headers)
    assert answer.status_code == 401
    await assert_nothing_happened(world, fetched=True)


@pytest.mark.parametrize("offset", [-7200, 7200, -30 * 365 * 86400], ids=["2h-old", "2h-future", "2001"])
async def test_date_outside_an_hour_is_401(world, offset) -> None:
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id), now=time.time() + offset)
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_unparsable_date_is_401(world) -> None:
    bob = world.remote.actor("bob")
    body = body_of(bob.follow(world.alice.id))
    headers = bob.sign("POST", world.alice_inbox, body)
    headers["Date"] = "yesterday-ish"
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401
    await assert_nothing_happened(world, fetched=True)


@pytest.mark.parametrize("target", ["path", "query", "host", "method"])
async def test_signature_made_for_another_request_is_401(world, target) -> None:
    bob = world.remote.actor("bob")
    body = body_of(bob.follow(world.alice.id))
    signed_url = {
        "path": world.inbox.url("/v1/inbox"),
        "query": world.alice_inbox + "?x=1",
        "host": world.alice_inbox.replace("127.0.0.1", "localhost"),
        "method": world.alice_inbox,
    }[target]
    headers = bob.sign("PUT" if target == "method" else "POST", signed_url, body)
    headers.pop("Host", None)
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_key_on_a_blocked_domain_is_403_without_fetching(world) -> None:
    bob = world.remote.actor("bob")
    domain = world.remote.base.split("://")[1]
    await moderation_store.put_domain_block(world.inbox.db, moderation_store.DomainBlockRow(
        domain, "suspend", False, False, "", False, "operator", None), now=time.time())
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 403
    await assert_nothing_happened(world)


async def test_activity_actor_other_than_the_signer_is_401(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    forged = bob.follow(world.alice.id)
    answer = await mallory.post(world.client, world.alice_inbox, forged)
    assert answer.status_code == 401
    assert answer.json()["error"] == "actor_mismatch"
    await assert_nothing_happened(world, fetched=True)


async def test_ld_signature_in_the_body_authenticates_nothing(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    forged = bob.create(bob.note("hi", in_reply_to=world.post_url()))
    forged["signature"] = {"type": "RsaSignature2017", "creator": bob.key_id, "signatureValue": "AAAA"}
    answer = await mallory.post(world.client, world.alice_inbox, forged)
    assert answer.status_code == 401
    await assert_nothing_happened(world, fetched=True)


async def test_key_whose_owner_does_not_list_it_is_401(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    # A key document claiming bob as owner; bob's actor lists another key.
    world.remote.serve("/keys/stray", {"@context": "https://w3id.org/security/v1",
                                       "id": f"{world.remote.base}/keys/stray", "type": "Key",
                                       "owner": bob.id, "publicKeyPem": mallory.public_pem})
    activity = bob.follow(world.alice.id)
    answer = await mallory.post(world.client, world.alice_inbox, activity,
                                key_id=f"{world.remote.base}/keys/stray")
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_acct_key_id_is_401(world) -> None:
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id),
                            key_id=f"acct:bob@{world.remote.base.split('://')[1]}")
    assert answer.status_code == 401
    await assert_nothing_happened(world)


async def test_unreachable_key_is_503_with_retry_after_and_nothing_stored(world) -> None:
    bob = world.remote.actor("bob")
    world.remote.serve("/users/bob", {"error": "down"}, status=502)
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    await assert_nothing_happened(world, fetched=True)


async def test_key_fetch_failures_are_cached_so_the_host_is_not_hammered(world) -> None:
    bob = world.remote.actor("bob")
    world.remote.serve("/users/bob", {"error": "down"}, status=502)
    for _ in range(3):
        answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
        assert answer.status_code == 503
    assert len(world.remote.fetches) == 1


async def test_rotated_key_is_refetched_once_and_then_verifies(world) -> None:
    bob = world.remote.actor("bob")
    assert (await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))).status_code == 202
    from tests.support.remote import test_keypair

    bob.private_pem, bob.public_pem = test_keypair(5)
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 202, answer.text
    assert len([f for f in world.remote.fetches if f.path == "/users/bob"]) == 2


async def test_flood_from_one_address_gets_429_with_retry_after(world) -> None:
    world.inbox.app.state.rate_limiter.rate = 1
    world.inbox.app.state.rate_limiter.burst = 2
    world.inbox.app.state.rate_limiter._buckets.clear()
    bob = world.remote.actor("bob")
    answers = [await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id)) for _ in range(4)]
    assert [a.status_code for a in answers][:2] == [202, 202]
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].json()["error"] == "too_many_requests"
    await world.inbox.settle()
    accepted = sum(a.status_code == 202 for a in answers)
    assert await world.inbox.count("activities") == accepted  # refused ones were never stored


async def test_inbox_of_unknown_actor_is_404_json(world) -> None:
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.inbox.url("/v1/@nobody@blog.example/inbox"),
                            bob.follow(world.alice.id))
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_actor"
    await assert_nothing_happened(world)


async def test_inbox_of_removed_actor_is_410(world) -> None:
    url = world.inbox.url(f"/v1/{world.mention}")
    removed = await world.client.delete(url, headers=world.alice.sign("DELETE", url))
    assert removed.status_code == 200, removed.text
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 410
    await assert_nothing_happened(world)


async def test_forwarded_host_and_prefix_are_used_only_when_trusted(make_world) -> None:
    world = await make_world(settings={"trust_forwarded": True, "accepted_hosts": ["social.example"]})
    bob = world.remote.actor("bob")
    public = f"https://social.example/prefix/v1/{world.mention}/inbox"
    body = body_of(bob.follow(world.alice.id))
    headers = bob.sign("POST", public, body)
    headers.pop("Host")  # the request really reaches 127.0.0.1; only the proxy headers say otherwise
    headers.update({"X-Forwarded-Host": "social.example", "X-Forwarded-Proto": "https",
                    "X-Forwarded-Prefix": "/prefix"})
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 202, answer.text


async def test_forwarded_headers_are_ignored_when_not_trusted(world) -> None:
    bob = world.remote.actor("bob")
    public = f"https://social.example/v1/{world.mention}/inbox"
    body = body_of(bob.follow(world.alice.id))
    headers = bob.sign("POST", public, body)
    headers.pop("Host")  # the request really reaches 127.0.0.1; only the proxy headers say otherwise
    headers.update({"X-Forwarded-Host": "social.example", "X-Forwarded-Proto": "https"})
    answer = await world.client.post(world.alice_inbox, content=body, headers=headers)
    assert answer.status_code == 401
    await assert_nothing_happened(world, fetched=True)


async def test_rate_limit_counts_the_forwarded_client_behind_a_trusted_proxy(make_world) -> None:
    world = await make_world(settings={"trust_forwarded": True})
    limiter = world.inbox.app.state.rate_limiter
    limiter.rate, limiter.burst = 0.001, 1
    bob = world.remote.actor("bob")
    statuses = []
    for client in ("203.0.113.1", "203.0.113.2", "203.0.113.1"):
        body = json.dumps(bob.follow(world.alice.id)).encode()
        headers = {**bob.sign("POST", world.alice_inbox, body), "X-Forwarded-For": f"198.51.100.7, {client}"}
        statuses.append((await world.client.post(world.alice_inbox, content=body, headers=headers)).status_code)
    assert statuses == [202, 202, 429]


async def test_overload_is_503_with_retry_after_and_nothing_stored(world, monkeypatch) -> None:
    import inbox.api.inbox as inbox_routes

    monkeypatch.setattr(inbox_routes, "MAX_PENDING_WRITES", -1)
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    await assert_nothing_happened(world)
