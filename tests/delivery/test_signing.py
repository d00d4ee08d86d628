"""Batched delivery signing: byte-identical to fedicore's signer, verifiable, errors per item."""

from __future__ import annotations

import asyncio

import pytest

from fedicore.httpsig import HttpRequest, parse_signature, sign_request, verify_request
from fedicore.keys import generate_ed25519_keypair
from inbox.delivery.signing import CONTENT_TYPE, Payload, Signer, Target
from tests.delivery.conftest import KEY_ID

BODY = b'{"type":"Create","id":"https://blog.example/ap/posts/1.json#create"}'
URLS = ["http://127.0.0.1:8080/users/1/inbox", "https://remote.example/inbox?x=1", "https://remote.example:8443/i"]


@pytest.fixture
async def signer(keypair):
    s = Signer(2)
    s.add_key("alice", KEY_ID, keypair[0])
    yield s
    s.close()


@pytest.mark.parametrize("url", URLS)
async def test_fast_cavage_headers_equal_fedicores_signature_byte_for_byte(signer, keypair, url):
    now = 1_700_000_000.75
    ours = await signer.headers_for("alice", Target.of(url), Payload.of(BODY), scheme="cavage", now=now)
    reference = sign_request(HttpRequest("POST", url, {"Content-Type": CONTENT_TYPE}, BODY),
                             key_id=KEY_ID, private_key=keypair[0], scheme="cavage", now=now)
    assert ours == {"Content-Type": CONTENT_TYPE, **reference}


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_many_signatures_in_one_loop_turn_all_verify(signer, keypair, scheme):
    payload = Payload.of(BODY)
    targets = [Target.of(f"http://127.0.0.1:{9000 + n}/users/{n}/inbox") for n in range(40)]
    now = 1_700_000_000.0
    results = await asyncio.gather(*(signer.headers_for("alice", t, payload, scheme=scheme, now=now) for t in targets))
    for target, headers in zip(targets, results):
        request = HttpRequest("POST", target.url, headers, BODY)
        parsed = parse_signature(request)
        assert parsed.scheme == scheme
        assert verify_request(request, parsed, keypair[1], now=now) is None


@pytest.mark.parametrize("url", ["https://ok.example/in\nbox", "https://ok.example/in\r\nX-Evil: 1",
                                 "https://ok example/inbox", "https://ok.example:99999/inbox",
                                 "https://ok.example:x/inbox", "ftp://ok.example/inbox"])
def test_a_url_a_request_line_or_host_cannot_carry_is_refused_once_when_the_target_is_made(url):
    with pytest.raises(ValueError):
        Target.of(url)


async def test_a_unicode_inbox_url_is_sent_and_signed_in_its_ascii_form(signer, keypair):
    target = Target.of("https://Bücher.example/inbox/é")
    assert (target.authority, target.request_target) == ("xn--bcher-kva.example", "/inbox/%C3%A9")
    headers = await signer.headers_for("alice", target, Payload.of(BODY), scheme="cavage", now=1e9)
    assert headers["Host"] == "xn--bcher-kva.example"
    request = HttpRequest("POST", "https://xn--bcher-kva.example/inbox/%C3%A9", headers, BODY)
    assert verify_request(request, parse_signature(request), keypair[1], now=1e9) is None


async def test_ed25519_actor_key_signs_through_the_general_path():
    private_pem, public_pem = generate_ed25519_keypair()
    signer = Signer(1)
    signer.add_key("bob", "https://blog.example/bob#key", private_pem)
    try:
        url = "https://remote.example/inbox"
        headers = await signer.headers_for("bob", Target.of(url), Payload.of(BODY), scheme="cavage", now=1e9)
        request = HttpRequest("POST", url, headers, BODY)
        assert verify_request(request, parse_signature(request), public_pem, now=1e9) is None
    finally:
        signer.close()
