"""What hostile-inputs.md does not list but a hostile server would try: odd paths, paging,
bodies and methods. Every answer is a JSON 4xx (never a 500) and nothing is stored or sent."""

from __future__ import annotations

from urllib.parse import quote

from tests.inbox.hostile import assert_nothing_happened


def _is_json_error(answer, status: int) -> bool:
    return (answer.status_code == status
            and answer.headers["content-type"].startswith("application/json")
            and set(answer.json()) == {"error", "detail"})


async def test_paging_past_sqlite_integers_is_400_not_500(world) -> None:
    post = quote(world.post_url(), safe="")
    url = world.inbox.url(f"/v1/{world.mention}/inbox/replies/{post}?skip={10**23}")
    answer = await world.client.get(url)
    assert _is_json_error(answer, 400), answer.text
    assert answer.json()["error"] == "bad_paging"
    owner_url = world.inbox.url(f"/v1/{world.mention}/inbox?skip={2**63}&limit=5")
    owner_view = await world.client.get(owner_url, headers=world.alice.sign("GET", owner_url))
    assert _is_json_error(owner_view, 400), owner_view.text
    await assert_nothing_happened(world)


def _block_remote_domain(world):
    import time

    from inbox.storage import moderation as moderation_store

    domain = world.remote.base.split("://")[1]
    return moderation_store.put_domain_block(world.inbox.db, moderation_store.DomainBlockRow(
        domain, "suspend", False, False, "", False, "operator", None), now=time.time())


async def test_key_id_with_user_info_cannot_slip_past_a_domain_block(world) -> None:
    """``https://x@blocked.example/...`` names the blocked host all the same."""
    from tests.support.remote import RemoteActor, test_keypair

    await _block_remote_domain(world)
    private_pem, public_pem = test_keypair(3)
    sneaky = RemoteActor(world.remote.base.replace("://", "://x@"), "sneaky", private_pem, public_pem)
    world.remote.actors["sneaky"] = sneaky
    answer = await sneaky.post(world.client, world.alice_inbox, sneaky.follow(world.alice.id))
    assert answer.status_code in (401, 403), answer.text
    await assert_nothing_happened(world)


async def test_key_whose_owner_is_on_another_host_is_401(world) -> None:
    """A key at one host vouching for an actor at another (here the same address spelled with
    user info, which no fediverse server uses) is refused: keys live with their actors."""
    from tests.support.remote import RemoteActor

    bob = world.remote.actor("bob")
    twin = RemoteActor(world.remote.base.replace("://", "://x@"), "bob", bob.private_pem, bob.public_pem)
    document = dict(bob.document(), id=twin.id,
                    publicKey={"id": bob.key_id, "owner": twin.id, "publicKeyPem": bob.public_pem})
    world.remote.serve("/users/bob", document)
    answer = await bob.post(world.client, world.alice_inbox, dict(bob.follow(world.alice.id), actor=twin.id))
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_json_with_too_many_values_inside_the_size_limit_is_400(world) -> None:
    """Half a million numbers fit in 1 MiB and cost seconds of CPU to check for duplicate keys."""
    import json

    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    follow["tag"] = [0] * 200_000
    body = json.dumps(follow, separators=(",", ":")).encode()
    assert len(body) < world.inbox.settings.max_body_bytes
    answer = await world.client.post(world.alice_inbox, content=body,
                                      headers=bob.sign("POST", world.alice_inbox, body))
    assert _is_json_error(answer, 400), answer.text
    assert "values" in answer.json()["detail"]
    await assert_nothing_happened(world, fetched=True)


def test_only_small_bodies_are_read_before_the_signature_is_checked() -> None:
    """The self-Delete shortcut parses JSON before any crypto: only for a self-Delete's size."""
    import json

    from inbox.verification import self_removal_actor

    actor = "https://gone.example/users/ghost"
    delete = {"id": actor + "#delete", "type": "Delete", "actor": actor, "object": actor}
    assert self_removal_actor(json.dumps(delete).encode(), actor + "#main-key") == actor
    padded = dict(delete, padding=[[0] * 10] * 5000)
    assert self_removal_actor(json.dumps(padded).encode(), actor + "#main-key") is None


async def _raw_exchange(world, head: bytes, body: bytes = b"") -> bytes:
    """Send bytes on a plain socket (no client to fix the framing) and read the answer."""
    import asyncio

    host, port = world.inbox.base.split("://")[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


async def test_content_length_claiming_too_much_is_413_without_waiting_for_the_body(world) -> None:
    bob = world.remote.actor("bob")
    path = world.alice_inbox.split(world.inbox.base, 1)[1]
    headers = bob.sign("POST", world.alice_inbox, b"{}")
    head = f"POST {path} HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() != "content-length"
    ) + "Content-Length: 50000000\r\nConnection: close\r\n\r\n"
    answer = await _raw_exchange(world, head.encode())
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    await assert_nothing_happened(world)


async def test_content_length_claiming_less_than_sent_verifies_only_what_it_declared(world) -> None:
    """The bytes past Content-Length are not part of the signed body: the digest fails."""
    import json

    bob = world.remote.actor("bob")
    body = json.dumps(bob.follow(world.alice.id)).encode()
    path = world.alice_inbox.split(world.inbox.base, 1)[1]
    headers = bob.sign("POST", world.alice_inbox, body)
    head = f"POST {path} HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items() if name.lower() != "content-length"
    ) + f"Content-Length: {len(body) - 10}\r\nConnection: close\r\n\r\n"
    answer = await _raw_exchange(world, head.encode(), body)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    await assert_nothing_happened(world, fetched=True)


async def test_key_id_fragment_on_one_host_cannot_speak_for_an_actor_on_another(world) -> None:
    """``https://evil/#main-key`` serving a copy of a victim's actor (on another host) that lists
    the evil key: the copy is refetched from its id, which does not list it."""
    mallory = world.remote.actor("mallory")
    victim = world.blog.actor("victim", key_index=4)
    key_id = f"{world.remote.base}/#main-key"
    world.remote.serve("/", dict(victim.document(), publicKey={
        "id": key_id, "owner": victim.id, "publicKeyPem": mallory.public_pem}))
    forged = dict(victim.follow(world.alice.id))
    answer = await mallory.post(world.client, world.alice_inbox, forged, key_id=key_id)
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)


async def test_actor_whose_public_key_names_another_owner_cannot_speak_for_that_owner(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    world.remote.serve("/users/mallory", dict(mallory.document(), publicKey={
        "id": mallory.key_id, "owner": bob.id, "publicKeyPem": mallory.public_pem}))
    answer = await mallory.post(world.client, world.alice_inbox, bob.follow(world.alice.id))
    assert answer.status_code == 401, answer.text
    await assert_nothing_happened(world, fetched=True)
