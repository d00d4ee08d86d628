"""The Fedify peer really federates: it signs what it sends and verifies what it receives."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from fedicore.httpsig import HttpRequest, sign_request
from fedicore.keys import load_private_key
from tests.interop.receiver import python_receiver
from tests.serve_check.site_factory import shared_keypair

pytestmark = pytest.mark.interop
AS_ACCEPT = {"Accept": "application/activity+json"}


def test_peer_actor_publishes_an_rsa_key_python_can_load(peer):
    actor = httpx.get(peer.actor_url, headers=AS_ACCEPT, timeout=10).json()
    assert actor["id"] == peer.actor_url
    assert actor["type"] == "Person" and actor["preferredUsername"] == "peer"
    assert actor["inbox"] == peer.inbox_url
    key = load_pem_public_key(actor["publicKey"]["publicKeyPem"].encode())
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048
    assert actor["publicKey"]["owner"] == peer.actor_url


def test_follow_between_two_peers_is_verified_then_accepted(peer, other_peer):
    sent = peer.follow(other_peer.actor_url)
    follow = other_peer.wait_for("Follow")[0]
    assert follow["id"] == sent["id"] and follow["actor"] == peer.actor_url
    assert follow["signature_scheme"] == "rfc9421"
    assert follow["signed_key_id"].startswith(peer.actor_url)
    accept = peer.wait_for("Accept")[0]
    assert accept["actor"] == other_peer.actor_url
    assert other_peer.followers() == [peer.actor_url]
    peer.unfollow(other_peer.actor_url)
    undo = other_peer.wait_for("Undo")[0]
    assert undo["object"]["type"] == "Follow"
    assert other_peer.followers() == []


def test_unsigned_activity_is_rejected_and_never_recorded(peer):
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
              "id": "http://127.0.0.1:9/follows/1", "actor": "http://127.0.0.1:9/actor",
              "object": peer.actor_url}
    response = httpx.post(peer.inbox_url, content=json.dumps(follow),
                          headers={"Content-Type": "application/activity+json"}, timeout=10)
    assert response.status_code == 401
    assert peer.received() == []
    assert peer.rejected()[0]["status"] == 401


def test_signature_by_a_key_the_actor_does_not_own_is_rejected(peer):
    with python_receiver() as receiver:
        private_pem, _ = shared_keypair()
        # Signed correctly with the receiver's key, but claims to come from the peer's actor.
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
                    "id": f"{receiver.url}/likes/1", "actor": peer.actor_url,
                    "object": receiver.note_url}
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        req = HttpRequest("POST", peer.inbox_url, headers, body)
        headers |= sign_request(req, key_id=f"{receiver.actor_url}#main-key",
                                private_key=load_private_key(private_pem), now=time.time())
        response = httpx.post(peer.inbox_url, content=body, headers=headers, timeout=10)
    assert response.status_code == 401
    assert peer.received() == []


def test_python_signed_activity_from_its_own_actor_is_accepted(peer):
    with python_receiver() as receiver:
        private_pem, _ = shared_keypair()
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
                    "id": f"{receiver.url}/follows/1", "actor": receiver.actor_url,
                    "object": peer.actor_url}
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        req = HttpRequest("POST", peer.inbox_url, headers, body)
        headers |= sign_request(req, key_id=f"{receiver.actor_url}#main-key",
                                private_key=load_private_key(private_pem), now=time.time())
        response = httpx.post(peer.inbox_url, content=body, headers=headers, timeout=10)
        assert response.status_code == 202, response.text
        got = peer.wait_for("Follow")[0]
        assert got["actor"] == receiver.actor_url and got["signature_scheme"] == "cavage"
        accept = receiver.wait_verified("Accept")
        assert accept.body["object"]["id"] == f"{receiver.url}/follows/1"


@pytest.mark.parametrize(("which", "scheme"), [("peer", "rfc9421"), ("other_peer", "cavage")])
def test_fedicore_verifies_the_peers_signatures_in_both_schemes(which, scheme, request):
    p = request.getfixturevalue(which)
    with python_receiver() as receiver:
        p.follow(receiver.actor_url)
        follow = receiver.wait_verified("Follow")
    assert follow.scheme == scheme
    assert follow.body["actor"] == p.actor_url
    assert [d.scheme for d in receiver.deliveries] == [scheme]  # no second knock needed


def test_reply_like_announce_update_delete_reach_the_author_signed(peer):
    with python_receiver() as receiver:
        sent = peer.reply(receiver.note_url, "<p>Nice post!</p>")
        create = receiver.wait_verified("Create")
        note = create.body["object"]
        assert note["inReplyTo"] == receiver.note_url and note["content"] == "<p>Nice post!</p>"
        assert receiver.actor_url in note["cc"]
        fetched = httpx.get(note["id"], headers=AS_ACCEPT, timeout=10).json()
        assert fetched["content"] == "<p>Nice post!</p>"

        peer.like(receiver.note_url)
        assert receiver.wait_verified("Like").body["object"] == receiver.note_url
        peer.announce(receiver.note_url)
        assert receiver.wait_verified("Announce").body["object"] == receiver.note_url
        peer.unlike(receiver.note_url)
        assert receiver.wait_verified("Undo").body["object"]["type"] == "Like"

        peer.update_note(note["id"], "<p>Edited</p>")
        assert receiver.wait_verified("Update").body["object"]["content"] == "<p>Edited</p>"
        peer.delete(sent["activity"]["object"]["id"])
        assert receiver.wait_verified("Delete").body["object"]["id"] == note["id"]
        gone = httpx.get(note["id"], headers=AS_ACCEPT, timeout=10)
        assert gone.status_code in (404, 410)
    assert all(d.failure is None for d in receiver.deliveries), receiver.deliveries


def test_control_api_errors_are_json_4xx(peer):
    missing = peer.client.post("/control/follow", json={})
    assert missing.status_code == 400 and missing.json()["error"] == "missing_field"
    unknown = peer.client.post("/control/like", json={"object": "http://127.0.0.1:9/x"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "lookup_failed"
    assert peer.client.get("/control/nope").status_code == 404
