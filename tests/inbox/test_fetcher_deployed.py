"""The inbox's fetcher against remotes that behave like deployed servers (``tests/support/
deployed.py``): compressed answers, keyIds at a path or the bare actor URL, ld+json documents,
authorized fetch, 410 for the deleted, redirects to the canonical actor, slow hosts."""

from __future__ import annotations

import gzip
import json

import pytest

from inbox.fetcher import FetchFailure, Fetcher, RemoteKey, SigningKey
from tests.support import deployed
from tests.support.remote import FakeFediverse, HostBehaviour


async def _with(behaviour: HostBehaviour, **fetcher_options):
    remote = FakeFediverse(behaviour)
    await remote.__aenter__()
    fetcher = Fetcher(allow_private=True, **{"timeout": 5, **fetcher_options})
    return remote, fetcher


async def _close(remote, fetcher) -> None:
    await fetcher.close()
    await remote.__aexit__(None, None, None)


@pytest.mark.parametrize("name", ["gzip", "path_key_id", "actor_key_id", "ld_json", "apex"])
async def test_the_key_of_a_deployed_style_host_is_found(name) -> None:
    remote, fetcher = await _with(deployed.ALL[name])
    try:
        bob = remote.actor("bob")
        key = await fetcher.fetch_key(bob.key_id)
        assert isinstance(key, RemoteKey), key
        assert key.owner == bob.id and key.actor["id"] == bob.id
    finally:
        await _close(remote, fetcher)


async def test_a_gzip_answer_is_asked_for_and_decoded() -> None:
    remote, fetcher = await _with(deployed.GZIP)
    try:
        bob = remote.actor("bob")
        document = await fetcher.fetch_document(bob.id)
        assert isinstance(document, dict) and document["id"] == bob.id, document
        assert "gzip" in remote.fetches[0].headers.get("Accept-Encoding", "")
    finally:
        await _close(remote, fetcher)


async def test_the_size_limit_applies_to_the_decoded_document() -> None:
    remote, fetcher = await _with(deployed.GZIP, max_bytes=4096)
    try:
        big = {"id": remote.base + "/big", "type": "Note", "content": "a" * 20_000}
        remote.serve("/big", big)
        assert len(gzip.compress(json.dumps(big).encode())) < 4096  # small on the wire
        result = await fetcher.fetch_document(remote.base + "/big")
        assert isinstance(result, FetchFailure) and result.reason == "too_large", result
    finally:
        await _close(remote, fetcher)


async def test_a_decompression_bomb_is_refused() -> None:
    remote, fetcher = await _with(HostBehaviour())
    try:
        bomb = gzip.compress(b'{"id": "' + b" " * (200 * 1024 * 1024) + b'"}')
        remote.serve("/bomb", bomb, headers={"Content-Encoding": "gzip"})
        result = await fetcher.fetch_document(remote.base + "/bomb")
        assert isinstance(result, FetchFailure) and result.reason == "too_large", result
    finally:
        await _close(remote, fetcher)


async def test_a_profile_url_redirecting_to_the_canonical_actor_gives_the_actor() -> None:
    remote, fetcher = await _with(deployed.CANONICAL_REDIRECT)
    try:
        bob = remote.actor("bob")
        document = await fetcher.fetch_document(bob.profile_url)
        assert isinstance(document, dict) and document["id"] == bob.id, document
        assert [r.path for r in remote.fetches][:2] == ["/@bob", "/users/bob"]
    finally:
        await _close(remote, fetcher)


async def test_an_authorized_fetch_host_answers_a_signed_key_fetch() -> None:
    """The key fetch is signed by a key the host can fetch and verify: another host's actor."""
    async with FakeFediverse() as home:
        carol = home.actor("carol")
        signer = SigningKey(carol.key_id, carol.private_pem)
        remote, fetcher = await _with(deployed.GOTOSOCIAL)
        try:
            bob = remote.actor("bob")
            unsigned = await fetcher.fetch_key(bob.key_id)
            assert isinstance(unsigned, FetchFailure) and unsigned.reason == "status"
            fresh = Fetcher(allow_private=True, timeout=5)
            try:
                key = await fresh.fetch_key(bob.key_id, signer=signer)
            finally:
                await fresh.close()
            assert isinstance(key, RemoteKey), key
        finally:
            await _close(remote, fetcher)


async def test_a_deleted_actor_answers_gone() -> None:
    remote, fetcher = await _with(deployed.GOTOSOCIAL)
    try:
        bob = remote.actor("bob")
        remote.gone.add("bob")
        result = await fetcher.fetch_key(bob.key_id)
        assert isinstance(result, FetchFailure) and result.reason == "gone"
    finally:
        await _close(remote, fetcher)


async def test_a_slow_host_is_cut_off_at_the_whole_document_deadline() -> None:
    # One byte every 0.2 s: each read is quick, the document never ends within the deadline.
    remote, fetcher = await _with(HostBehaviour(drip=0.2), timeout=1)
    try:
        bob = remote.actor("bob")
        result = await fetcher.fetch_document(bob.id)
        assert isinstance(result, FetchFailure) and result.reason == "unreachable", result
        assert "timed out" in result.detail
    finally:
        await _close(remote, fetcher)
