"""Object integrity proofs (FEP-8b32) on incoming activities: checked against the actor's
`assertionMethod` key, recorded with the activity, and enough to accept an activity that a
third party forwards (its HTTP signature is not the actor's)."""

from __future__ import annotations

import asyncio
import json

import pytest

from cryptography.hazmat.primitives.asymmetric import ed25519

from fedicore import integrity
from inbox.storage.proofs import proof_of
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.support.remote import FakeFediverse, RemoteActor
from tests.support.server import eventually


def with_proof_key(actor: RemoteActor) -> ed25519.Ed25519PrivateKey:
    """Give ``actor`` an Ed25519 key, listed in its document as a Multikey assertionMethod."""
    key = ed25519.Ed25519PrivateKey.generate()
    actor.extra["@context"] = ["https://www.w3.org/ns/activitystreams",
                               "https://w3id.org/security/v1", integrity.MULTIKEY_CONTEXT]
    actor.extra["assertionMethod"] = [integrity.assertion_method(actor.id, key.public_key())]
    return key


def signed_reply(actor: RemoteActor, key: ed25519.Ed25519PrivateKey, post: str) -> dict:
    create = actor.create(actor.note("<p>a proven reply</p>", in_reply_to=post))
    return integrity.sign(integrity.with_context(create), key, actor.id + "#ed25519-key",
                          "2026-01-01T00:00:00Z")


async def test_a_direct_delivery_with_a_valid_proof_is_recorded_as_verified(world) -> None:
    bob = world.remote.actor("bob")
    key = with_proof_key(bob)
    create = signed_reply(bob, key, world.post_url())
    answer = await bob.post(world.client, world.alice_inbox, create)
    assert answer.status_code == 202, answer.text
    recorded = await eventually(lambda: proof_of(world.inbox.db, create["id"]), timeout=5)
    assert recorded["result"] == "verified" and recorded["forwarded"] is False
    assert recorded["verification_method"] == bob.id + "#ed25519-key"


async def test_a_direct_delivery_with_a_broken_proof_is_kept_and_recorded_as_failed(world) -> None:
    bob = world.remote.actor("bob")
    key = with_proof_key(bob)
    create = signed_reply(bob, key, world.post_url())
    create["object"]["content"] = "<p>a changed reply</p>"  # the HTTP signature still holds
    answer = await bob.post(world.client, world.alice_inbox, create)
    assert answer.status_code == 202, answer.text
    recorded = await eventually(lambda: proof_of(world.inbox.db, create["id"]), timeout=5)
    assert recorded["result"] == "failed" and recorded["detail"].startswith("signature")


async def test_an_activity_without_a_proof_records_nothing(world) -> None:
    bob = world.remote.actor("bob")
    create = bob.create(bob.note("<p>plain</p>", in_reply_to=world.post_url()))
    assert (await bob.post(world.client, world.alice_inbox, create)).status_code == 202
    await eventually(lambda: world.inbox.count("activities", "id = ?", (create["id"],)), timeout=5)
    assert await proof_of(world.inbox.db, create["id"]) is None


async def test_a_proven_activity_forwarded_by_a_third_party_is_accepted(world) -> None:
    bob = world.remote.actor("bob")
    key = with_proof_key(bob)
    create = signed_reply(bob, key, world.post_url())
    async with FakeFediverse() as relay_host:
        relay = relay_host.actor("relay")
        answer = await relay.post(world.client, world.alice_inbox, create)
    assert answer.status_code == 202, answer.text
    row = await eventually(lambda: world.inbox.db.fetchone(
        "SELECT actor FROM activities WHERE id = ?", (create["id"],)), timeout=5)
    assert row["actor"] == bob.id
    recorded = await proof_of(world.inbox.db, create["id"])
    assert recorded["result"] == "verified" and recorded["forwarded"] is True


async def test_a_forwarded_copy_changed_by_one_byte_is_refused(world) -> None:
    bob = world.remote.actor("bob")
    key = with_proof_key(bob)
    body = bytearray(json.dumps(signed_reply(bob, key, world.post_url())).encode())
    at = body.index(b"a proven reply")
    body[at] = ord("A")
    async with FakeFediverse() as relay_host:
        relay = relay_host.actor("relay")
        answer = await relay.post(world.client, world.alice_inbox, bytes(body))
    assert answer.status_code == 401
    assert answer.json()["error"] == "actor_mismatch"
    assert "proof does not verify" in answer.json()["detail"]


async def test_a_forwarded_activity_without_a_proof_is_still_refused(world) -> None:
    bob = world.remote.actor("bob")
    create = bob.create(bob.note("<p>not proven</p>", in_reply_to=world.post_url()))
    async with FakeFediverse() as relay_host:
        relay = relay_host.actor("relay")
        answer = await relay.post(world.client, world.alice_inbox, create)
    assert answer.status_code == 401 and answer.json()["error"] == "actor_mismatch"


async def test_a_forwarded_proof_made_with_the_forwarders_own_key_is_refused(world) -> None:
    bob = world.remote.actor("bob")
    with_proof_key(bob)
    async with FakeFediverse() as relay_host:
        relay = relay_host.actor("relay")
        mallory_key = ed25519.Ed25519PrivateKey.generate()  # not bob's: bob does not list it
        forged = signed_reply(bob, mallory_key, world.post_url())
        answer = await relay.post(world.client, world.alice_inbox, forged)
    assert answer.status_code == 401 and answer.json()["error"] == "actor_mismatch"


@pytest.mark.interop
async def test_proofs_the_fedify_peer_sends_verify_in_our_inbox(world, peer) -> None:  # noqa: F811
    world.alice.extra = {"inbox": world.alice_inbox,
                         "endpoints": {"sharedInbox": world.inbox.url("/v1/inbox")}}
    sent = await asyncio.to_thread(peer.reply, world.post_url(), "<p>signed twice</p>")
    recorded = await eventually(lambda: proof_of(world.inbox.db, sent["id"]), timeout=10)
    assert recorded["result"] == "verified", recorded
    assert recorded["verification_method"].startswith(peer.actor_url + "#")


async def test_a_proof_over_an_embedded_actor_object_verifies(world) -> None:
    """Some servers embed the actor's object in the activity; the proof covers it as sent."""
    bob = world.remote.actor("bob")
    key = with_proof_key(bob)
    create = bob.create(bob.note("<p>embedded</p>", in_reply_to=world.post_url()))
    create["actor"] = {"id": bob.id, "type": "Person", "preferredUsername": "bob"}
    create = integrity.sign(integrity.with_context(create), key, bob.id + "#ed25519-key",
                            "2026-01-01T00:00:00Z")
    answer = await bob.post(world.client, world.alice_inbox, create)
    assert answer.status_code == 202, answer.text
    recorded = await eventually(lambda: proof_of(world.inbox.db, create["id"]), timeout=5)
    assert recorded["result"] == "verified", recorded


async def test_a_direct_delivery_with_a_broken_proof_costs_no_extra_fetch(world) -> None:
    """Its result changes nothing for a direct delivery: bad proofs must not buy remote GETs."""
    bob = world.remote.actor("bob")
    key = with_proof_key(bob)
    first = signed_reply(bob, key, world.post_url())
    assert (await bob.post(world.client, world.alice_inbox, first)).status_code == 202
    await eventually(lambda: proof_of(world.inbox.db, first["id"]), timeout=5)
    before = len(world.remote.fetches)
    for n in range(3):
        broken = signed_reply(bob, key, world.post_url())
        broken["object"]["content"] = f"<p>changed {n}</p>"
        assert (await bob.post(world.client, world.alice_inbox, broken)).status_code == 202
        recorded = await eventually(lambda: proof_of(world.inbox.db, broken["id"]), timeout=5)
        assert recorded["result"] == "failed"
    assert [r.path for r in world.remote.fetches[before:]] == []
