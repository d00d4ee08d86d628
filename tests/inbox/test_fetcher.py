"""The remote fetcher against a real HTTP server on 127.0.0.1: SSRF guard, origin checks, limits,
caches. ``allow_private=False`` is the production setting; the fake server is on loopback, so
with it every fetch must be refused before a connection is made."""

from __future__ import annotations

import pytest

from inbox.fetcher import MAX_REDIRECTS, FetchFailure, Fetcher, SigningKey
from tests.support.remote import FakeFediverse, verify_received


@pytest.fixture
async def remote():
    async with FakeFediverse() as server:
        yield server


@pytest.fixture
async def fetcher():
    f = Fetcher(allow_private=True, timeout=3)
    yield f
    await f.close()


async def test_loopback_is_refused_without_connecting_when_private_fetch_is_off(remote) -> None:
    bob = remote.actor("bob")
    guarded = Fetcher(allow_private=False)
    try:
        result = await guarded.fetch_document(bob.id)
    finally:
        await guarded.close()
    assert isinstance(result, FetchFailure) and result.reason == "forbidden"
    assert remote.received == []


@pytest.mark.parametrize("host", ["[::1]", "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "10.0.0.1",
                                  "169.254.169.254", "[2002:7f00:1::]", "0177.0.0.1", "localhost"])
async def test_forbidden_address_forms_are_refused(host) -> None:
    guarded = Fetcher(allow_private=False, timeout=2)
    try:
        result = await guarded.fetch_document(f"http://{host}:9/users/x")
    finally:
        await guarded.close()
    assert isinstance(result, FetchFailure)
    assert result.reason in {"forbidden", "url"}, result


async def test_redirect_to_a_forbidden_address_is_refused_at_the_hop(remote) -> None:
    # Only 127.0.0.1 is exempt from the guard here; the redirect points at another loopback form.
    port = remote.base.rsplit(":", 1)[1]
    remote.serve("/hop", b"", status=302, headers={"Location": f"http://127.0.0.2:{port}/users/bob"})
    remote.actor("bob")
    f = Fetcher(allow_private=frozenset({"127.0.0.1"}))
    try:
        result = await f.fetch_document(remote.base + "/hop")
    finally:
        await f.close()
    assert isinstance(result, FetchFailure) and result.reason == "forbidden"
    assert [r.path for r in remote.fetches] == ["/hop"]


async def test_more_than_three_redirects_are_refused(remote) -> None:
    for i in range(MAX_REDIRECTS + 2):
        remote.serve(f"/r{i}", b"", status=302, headers={"Location": f"/r{i + 1}"})
    f = Fetcher(allow_private=True)
    try:
        result = await f.fetch_document(remote.base + "/r0")
    finally:
        await f.close()
    assert isinstance(result, FetchFailure) and result.reason == "redirects"
    assert len(remote.fetches) == MAX_REDIRECTS + 1


async def test_redirects_within_the_limit_are_followed_and_checked_by_id(remote, fetcher) -> None:
    bob = remote.actor("bob")
    remote.serve("/old-bob", b"", status=301, headers={"Location": "/users/bob"})
    result = await fetcher.fetch_document(remote.base + "/old-bob")
    # The document's id is not the URL asked for, so it is refetched from its id, which matches.
    assert isinstance(result, dict) and result["id"] == bob.id


async def test_wrong_content_type_is_refused(remote, fetcher) -> None:
    url = remote.serve("/doc", {"id": remote.base + "/doc"}, content_type="text/html")
    result = await fetcher.fetch_document(url)
    assert isinstance(result, FetchFailure) and result.reason == "content_type"


async def test_ld_json_with_the_activitystreams_profile_is_accepted(remote, fetcher) -> None:
    url = remote.serve("/doc", {"id": remote.base + "/doc"},
                       content_type='application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
    assert isinstance(await fetcher.fetch_document(url), dict)


async def test_document_whose_id_is_elsewhere_is_refetched_from_its_id_once(remote, fetcher) -> None:
    url = remote.serve("/spoof", {"id": remote.base + "/real", "type": "Note", "content": "spoofed"})
    remote.serve("/real", {"id": remote.base + "/real", "type": "Note", "content": "genuine"})
    result = await fetcher.fetch_document(url)
    assert isinstance(result, dict) and result["content"] == "genuine"
    assert [r.path for r in remote.fetches] == ["/spoof", "/real"]


async def test_document_whose_id_never_matches_is_refused(remote, fetcher) -> None:
    url = remote.serve("/a", {"id": remote.base + "/b"})
    remote.serve("/b", {"id": remote.base + "/c"})
    result = await fetcher.fetch_document(url)
    assert isinstance(result, FetchFailure) and result.reason == "origin"


async def test_response_over_the_size_limit_is_refused(remote) -> None:
    url = remote.serve("/big", b'{"id": "x", "pad": "' + b"a" * 5000 + b'"}')
    small = Fetcher(allow_private=True, max_bytes=1000)
    try:
        result = await small.fetch_document(url)
    finally:
        await small.close()
    assert isinstance(result, FetchFailure) and result.reason == "too_large"


async def test_unreachable_host_is_a_transient_failure() -> None:
    from tests.support.server import free_port

    f = Fetcher(allow_private=True, timeout=2)
    try:
        result = await f.fetch_document(f"http://127.0.0.1:{free_port()}/users/x")
    finally:
        await f.close()
    assert isinstance(result, FetchFailure) and result.transient


async def test_documents_are_cached_and_fetched_once(remote, fetcher) -> None:
    bob = remote.actor("bob")
    for _ in range(3):
        assert isinstance(await fetcher.fetch_document(bob.id), dict)
    assert len(remote.fetches) == 1


async def test_cache_expires(remote) -> None:
    bob = remote.actor("bob")
    now = [0.0]
    f = Fetcher(allow_private=True, cache_ttl=10, monotonic=lambda: now[0])
    try:
        await f.fetch_document(bob.id)
        now[0] = 11
        await f.fetch_document(bob.id)
    finally:
        await f.close()
    assert len(remote.fetches) == 2


async def test_gets_are_signed_as_the_local_actor_for_authorized_fetch(remote, fetcher) -> None:
    bob, alice = remote.actor("bob"), remote.actor("alice")
    await fetcher.fetch_document(bob.id, signer=SigningKey(alice.key_id, alice.private_pem))
    request = remote.fetches[0]
    assert verify_received(request, bob.id, alice.public_pem)


async def test_key_owned_by_the_actor_is_returned_with_its_owner(remote, fetcher) -> None:
    bob = remote.actor("bob")
    key = await fetcher.fetch_key(bob.key_id)
    assert not isinstance(key, FetchFailure)
    assert key.owner == bob.id


async def test_key_refresh_after_a_bad_signature_happens_at_most_once_a_minute(remote) -> None:
    bob = remote.actor("bob")
    now = [0.0]
    f = Fetcher(allow_private=True, monotonic=lambda: now[0])
    try:
        await f.fetch_key(bob.key_id)
        for _ in range(5):
            await f.fetch_key(bob.key_id, refresh=True)
        now[0] = 61
        await f.fetch_key(bob.key_id, refresh=True)
    finally:
        await f.close()
    assert len(remote.fetches) == 3


def test_pooled_connections_are_kept_apart_by_the_tls_name() -> None:
    """The fetcher connects to the address it checked and names the host only in Host and in
    TLS (SNI and the certificate check), so every https GET to one address shares a pool key
    unless the key holds that name: otherwise a connection verified for one host would carry
    requests for another host on the same address. aiohttp keys its pool by it from 3.14.1
    (pyproject requires it)."""
    from aiohttp.client_reqrep import ConnectionKey

    assert "server_hostname" in ConnectionKey._fields


async def test_a_url_with_non_ascii_letters_is_sent_percent_encoded_and_signed_as_sent(remote, fetcher) -> None:
    """A keyId or actor id is the sender's to choose: a non-ASCII letter in it is sent
    percent-encoded (UTF-8), as browsers do, and the signature covers what was sent; a space,
    which no request line can carry, is refused without a connection."""
    alice = remote.actor("alice")
    url = remote.serve("/docs/josé", {"id": remote.base + "/docs/josé", "type": "Note"})
    document = await fetcher.fetch_document(url, signer=SigningKey(alice.key_id, alice.private_pem))
    assert not isinstance(document, FetchFailure), document
    request = remote.received[-1]
    assert request.path == "/docs/jos%C3%A9"
    assert verify_received(request, remote.base + request.path, alice.public_pem)
    spaced = await fetcher.fetch_document(remote.base + "/docs/a b", signer=SigningKey(alice.key_id, alice.private_pem))
    assert isinstance(spaced, FetchFailure) and spaced.reason == "url"
    assert remote.received[-1] is request


async def test_a_key_whose_owner_has_non_ascii_letters_is_looked_up_without_a_crash(remote, fetcher) -> None:
    """The owner URL comes from the remote's document: fetching it signed must not raise."""
    alice = remote.actor("alice")
    key_url = remote.serve("/keys/k", {"id": remote.base + "/keys/k", "type": "CryptographicKey",
                                       "owner": remote.base + "/usérs/bob",
                                       "publicKeyPem": alice.public_pem})
    key = await fetcher.fetch_key(key_url, signer=SigningKey(alice.key_id, alice.private_pem))
    assert isinstance(key, FetchFailure)
    assert "/us%C3%A9rs/bob" in [r.path for r in remote.received]
