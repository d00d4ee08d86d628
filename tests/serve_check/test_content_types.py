"""The one mapping from served path to content type, and the host snippets derived from it."""

from __future__ import annotations

import pytest

from sitegen.content_types import (
    caddy_snippet, content_type_for, headers_file, nginx_snippet, wants_cors,
)


@pytest.mark.parametrize(("path", "expected"), [
    ("ap/actor.json", "application/activity+json"),
    ("/ap/tags/python.json", "application/activity+json"),
    ("/.well-known/webfinger?resource=acct:a@b", "application/jrd+json"),
    (".well-known/host-meta", "application/xrd+xml"),
    (".well-known/nodeinfo", "application/json"),
    ("nodeinfo/2.1.json", "application/json"),
    ("feed.xml", "application/atom+xml"),
    ("posts/x/index.html", "text/html; charset=utf-8"),
    ("posts/x/", "text/html; charset=utf-8"),
    ("", "text/html; charset=utf-8"),
    ("media/cat.JPG", "image/jpeg"),
    ("media/logo.svg", "image/svg+xml"),
    ("other.json", "application/json"),
    ("weird.bin", "application/octet-stream"),
])
def test_content_type_for_known_paths(path, expected):
    assert content_type_for(path) == expected


def test_only_fediverse_documents_want_cors():
    assert wants_cors("/ap/actor.json") and wants_cors(".well-known/webfinger")
    assert not wants_cors("index.html") and not wants_cors("feed.xml")


def test_headers_file_sets_activity_type_and_cors_for_ap_folder():
    text = headers_file()
    block = text.split("/ap/*\n", 1)[1].split("\n/", 1)[0]
    assert "Content-Type: application/activity+json" in block
    assert "Access-Control-Allow-Origin: *" in block
    assert "/.well-known/webfinger\n  Content-Type: application/jrd+json" in text


def test_nginx_snippet_never_redirects_directories_and_overrides_json_type():
    text = nginx_snippet()
    assert "$uri/index.html" in text and "$uri/ " not in text
    ap = text.split("location ^~ /ap/ {", 1)[1].split("}", 2)
    assert "types { }" in text and "default_type application/activity+json;" in "".join(ap)
    assert "location = /.well-known/webfinger {" in text
    assert text.count("{") == text.count("}")


def test_caddy_snippet_sets_types_and_disables_canonical_redirects():
    text = caddy_snippet()
    assert '@fedipress1 path /ap/*' in text
    assert 'header @fedipress1 Content-Type "application/activity+json"' in text
    assert "disable_canonical_uris" in text
