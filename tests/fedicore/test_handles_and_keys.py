"""Handles as people type them, and key pairs as the blog stores them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fedicore import keys
from fedicore.handles import Handle


@pytest.mark.parametrize("text", ["@alice@blog.example", "alice@blog.example", "acct:alice@blog.example", "  @alice@BLOG.Example  ", "ACCT:alice@blog.example"])
def test_handle_parses_every_spelling(text):
    handle = Handle.parse(text)
    assert handle == Handle("alice", "blog.example")
    assert str(handle) == "@alice@blog.example"
    assert handle.acct == "alice@blog.example"
    assert handle.acct_uri == "acct:alice@blog.example"


def test_handle_keeps_port_and_user_case():
    handle = Handle.parse("@Alice@Localhost:8080")
    assert (handle.user, handle.domain) == ("Alice", "localhost:8080")


def test_handle_encodes_international_domain():
    assert Handle.parse("bob@bücher.example").domain == "xn--bcher-kva.example"


def test_handles_are_hashable_values():
    assert len({Handle.parse("@a@b.example"), Handle.parse("a@B.example")}) == 1


@pytest.mark.parametrize(
    "text",
    ["alice", "@alice", "@alice@", "@@blog.example", "@a@b@c", "@al ice@blog.example", "@alice@blog..example",
     "@alice@-blog.example", "@alice@blog.example:0", "@alice@blog.example:99999", "@alice@blog.example:x",
     "@alice@blog_example.com", "@alice@[::1", "@alice@blog.example/path", "@ali<ce@blog.example"],
)
def test_bad_handles_raise_value_error_with_a_reason(text):
    with pytest.raises(ValueError) as info:
        Handle.parse(text)
    assert str(info.value)


def test_constructor_validates_too():
    with pytest.raises(ValueError):
        Handle("alice", "bad domain")


def test_generated_rsa_pair_is_2048_bit_pkcs8_and_spki(rsa_pair):
    private_pem, public_pem = rsa_pair
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    private = keys.load_private_key(private_pem)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert keys.public_key_pem(private_pem) == public_pem


def test_short_rsa_keys_are_not_generated():
    with pytest.raises(ValueError):
        keys.generate_rsa_keypair(1024)


def test_public_keys_are_cached_by_pem(rsa_pair):
    assert keys.load_public_key(rsa_pair[1]) is keys.load_public_key(rsa_pair[1])


@pytest.mark.parametrize("pem", ["", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_bad_public_key_pem_is_value_error(pem):
    with pytest.raises(ValueError):
        keys.load_public_key(pem)


def test_bad_private_key_pem_is_value_error(rsa_pair):
    with pytest.raises(ValueError):
        keys.load_private_key(rsa_pair[1])  # a public key is not a private key


def test_write_private_key_creates_mode_600_file(tmp_path: Path, ed25519_pair):
    target = tmp_path / "site" / ".keys" / "private.pem"
    keys.write_private_key(target, ed25519_pair[0])
    assert target.read_text() == ed25519_pair[0]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["private.pem"]  # no temp file left


def test_write_private_key_replaces_a_world_readable_file(tmp_path: Path, ed25519_pair):
    target = tmp_path / "private.pem"
    target.write_text("old")
    os.chmod(target, 0o644)
    keys.write_private_key(target, ed25519_pair[0])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == ed25519_pair[0]


@pytest.mark.parametrize(("url", "domain"), [
    ("https://blog.example/ap/actor.json", "blog.example"),
    ("https://BLOG.Example./users/a#main-key", "blog.example"),
    ("https://bücher.example/users/a", "xn--bcher-kva.example"),
    ("https://BÜCHER.example./users/a", "xn--bcher-kva.example"),
    ("http://127.0.0.1:8443/users/a", "127.0.0.1:8443"),
    ("https://[::1]:8443/x", "[::1]:8443"),
    ("https://[::1]/x", "[::1]"),
])
def test_every_spelling_of_a_host_gives_one_domain(url, domain):
    from fedicore.handles import domain_of_url

    assert domain_of_url(url) == domain


@pytest.mark.parametrize("url", [
    "https://x@evil.example/users/a", "https://a:b@evil.example/", "acct:bob@evil.example",
    "ftp://evil.example/", "https:///nohost", "https://evil.example:99999/", "https://ev il.example/",
    "https://evil.example\\@good.example/", None, "https://-bad-.example/",
])
def test_urls_hiding_or_lacking_a_host_give_no_domain(url):
    from fedicore.handles import domain_of_url

    assert domain_of_url(url) is None
