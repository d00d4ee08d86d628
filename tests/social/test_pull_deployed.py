"""`pull` reads reply authors from hosts that behave like deployed servers: it signs its GETs
as the blog (authorized fetch answers 401 to unsigned ones), decodes gzip under a bound on
the decoded bytes, and gives up on a document that is too large or too slow as a whole."""

from __future__ import annotations

import json

import httpx

from sitegen.config import load_site
from sitegen.social.client import InboxClient
from sitegen.social import pull_site, register_site
from sitegen.social.pull import Puller
from tests.social.test_pull import interactions, reply_from
from tests.social.site_world import site_world
from tests.support import deployed
from tests.support.remote import FakeFediverse, HostBehaviour


def _author(root, actor_url: str, **options):
    with InboxClient(load_site(root)) as client:
        return Puller(client, allow_private=True, **options).author(actor_url)


async def test_an_author_on_an_authorized_fetch_host_is_read_with_a_signed_get(tmp_path) -> None:
    async with site_world(tmp_path) as world, FakeFediverse(deployed.GOTOSOCIAL) as gts:
        bob = gts.actor("bob", extra={"name": "Bob Builder"})
        author = await world.call(_author, world.root, bob.id)
        assert author.name == "Bob Builder" and author.handle == f"@bob@{gts.base.split('//')[1]}"
        assert gts.refused_fetches == []
        [fetch] = [r for r in gts.fetches if r.path == "/users/bob"]
        assert f'keyId="{world.base_url}/ap/actor.json#main-key"' in fetch.headers["Signature"]


async def test_a_gzip_author_document_is_decoded(tmp_path) -> None:
    async with site_world(tmp_path) as world, FakeFediverse(deployed.GZIP) as remote:
        bob = remote.actor("bob", extra={"name": "Bob"})
        author = await world.call(_author, world.root, bob.id)
        assert author.name == "Bob"


async def test_an_author_document_larger_than_the_limit_once_decoded_is_not_kept(tmp_path) -> None:
    async with site_world(tmp_path) as world, FakeFediverse(deployed.GZIP) as remote:
        bob = remote.actor("bob", extra={"name": "Bob", "summary": "x" * 50_000})
        assert len(json.dumps(bob.document())) > 50_000
        author = await world.call(_author, world.root, bob.id, max_document_bytes=8192)
        assert author.name == "bob"  # the fallback made from the URL, not the document


async def test_an_author_host_that_drips_bytes_is_cut_off_at_the_whole_document_deadline(tmp_path) -> None:
    async with site_world(tmp_path) as world, FakeFediverse(HostBehaviour(drip=0.05)) as slow:
        bob = slow.actor("bob", extra={"name": "Bob"})
        # each byte comes quickly (well inside any per-read timeout); the whole never in time
        author = await world.call(_author, world.root, bob.id, document_deadline=0.5)
        assert author.name == "bob"


async def test_pull_writes_the_name_of_a_replier_on_an_authorized_fetch_host(tmp_path) -> None:
    async with site_world(tmp_path) as world, FakeFediverse(deployed.GOTOSOCIAL) as gts, \
            httpx.AsyncClient(timeout=10) as client:
        await world.call(register_site, world.root)
        bob = gts.actor("bob", extra={"name": "Bob Builder"})
        create, _note = await reply_from(bob, world, client, "<p>Nice post</p>")
        await world.approve(create["id"])
        await world.call(pull_site, world.root, allow_private=True)
        [reply] = interactions(world)["first"]["replies"]
        assert reply["author_name"] == "Bob Builder" and "Nice post" in reply["content_html"]


def _inbox_get(root, base: str, path: str):
    with InboxClient(load_site(root)) as client:
        client.base = base  # the rig host plays the inbox
        return client.get(path, signed=False)


async def test_an_inbox_answer_that_inflates_past_the_limit_is_one_clear_error(tmp_path) -> None:
    import gzip

    import pytest

    from fedicore.errors import FedipressError
    from sitegen.social import client as client_module
    async with site_world(tmp_path) as world, FakeFediverse() as fake_inbox:
        bomb = gzip.compress(b'{"totalItems": 1, "pad": "' + b" " * (64 * 1024 * 1024) + b'"}')
        fake_inbox.serve("/v1/followers", bomb, headers={"Content-Encoding": "gzip"})
        with pytest.raises(FedipressError, match="larger than"):
            await world.call(_inbox_get, world.root, fake_inbox.base, "/v1/followers")
        fake_inbox.serve("/v1/small", gzip.compress(b'{"totalItems": 3}'),
                         headers={"Content-Encoding": "gzip"})
        answer = await world.call(_inbox_get, world.root, fake_inbox.base, "/v1/small")
        assert answer.status == 200 and answer.data == {"totalItems": 3}
        assert client_module.MAX_ANSWER_BYTES < 64 * 1024 * 1024
