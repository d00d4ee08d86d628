"""Media types of attachments come from a small table, agreeing with the system's."""

from __future__ import annotations

import mimetypes

import pytest

from sitegen.posts import MEDIA_TYPES, media_type


@pytest.mark.parametrize("extension", sorted(set(MEDIA_TYPES) - {".avif"}))
def test_known_extension_agrees_with_mimetypes(extension):
    assert media_type(f"images/photo{extension}") == mimetypes.guess_type(f"x{extension}")[0]


def test_extension_case_is_ignored():
    assert media_type("IMG_0001.JPG") == "image/jpeg"


def test_unknown_extension_asks_mimetypes():
    assert media_type("scan.tiff") == "image/tiff"
    assert media_type("no-extension") is None
