"""Activities shaped as Fedify sends them (compacted JSON-LD): ``"to": "as:Public"`` as one
string, ``tag`` as one object, a ``proof`` (Object Integrity Proof) member, the data-integrity
context. Sent signed to the running inbox; the reply must be stored like any other."""

from __future__ import annotations

from typing import Any

from fedicore.vocab import AS_CONTEXT

FEDIFY_CONTEXT = [AS_CONTEXT, "https://w3id.org/security/data-integrity/v1",
                  {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}]


def _proof(actor_id: str) -> dict[str, Any]:
    """The member Fedify adds when the actor has an Ed25519 key (we do not check it)."""
    return {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
            "verificationMethod": f"{actor_id}#ed25519-key", "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk5BbNjr4x",
            "created": "2026-01-01T00:00:00Z"}


def _fedify_reply(world, bob, *, in_reply_to: str | None, tag: dict[str, Any] | None) -> dict:
    note: dict[str, Any] = {"id": bob.new_id("notes"), "type": "Note", "attributedTo": bob.id,
                            "content": "<p>from fedify</p>", "to": "as:Public",
                            "cc": f"{bob.id}/followers", "published": "2026-01-01T00:00:00Z"}
    if in_reply_to:
        note["inReplyTo"] = in_reply_to
    if tag is not None:
        note["tag"] = tag
    return {"@context": FEDIFY_CONTEXT, "id": bob.new_id("creates"), "type": "Create",
            "actor": bob.id, "object": note, "to": "as:Public", "cc": f"{bob.id}/followers",
            "proof": _proof(bob.id)}


async def _stored_replies(world) -> list[tuple[str, str]]:
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT kind, content_html FROM inbox_items")
    return [(r["kind"], r["content_html"]) for r in rows]


async def test_fedify_reply_with_string_audience_single_tag_and_proof_is_stored(world) -> None:
    bob = world.remote.actor("bob")
    hashtag = {"type": "Hashtag", "href": f"{world.remote.base}/tags/blog", "name": "#blog"}
    create = _fedify_reply(world, bob, in_reply_to=world.post_url(), tag=hashtag)
    answer = await bob.post(world.client, world.alice_inbox, create)
    assert answer.status_code == 202, answer.text
    assert await _stored_replies(world) == [("reply", "<p>from fedify</p>")]


async def test_fedify_mention_given_as_a_single_tag_object_is_stored(world) -> None:
    bob = world.remote.actor("bob")
    mention = {"type": "Mention", "href": world.alice.id, "name": world.mention}
    create = _fedify_reply(world, bob, in_reply_to=None, tag=mention)
    answer = await bob.post(world.client, world.inbox.url("/v1/inbox"), create)
    assert answer.status_code == 202, answer.text
    assert await _stored_replies(world) == [("reply", "<p>from fedify</p>")]


async def test_fedify_like_with_proof_and_string_audience_is_stored(world) -> None:
    bob = world.remote.actor("bob")
    like = {"@context": FEDIFY_CONTEXT, "id": bob.new_id("likes"), "type": "Like",
            "actor": bob.id, "object": world.post_url(), "to": "as:Public", "proof": _proof(bob.id)}
    assert (await bob.post(world.client, world.alice_inbox, like)).status_code == 202
    assert await _stored_replies(world) == [("like", None)]
