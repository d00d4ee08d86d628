"""The repository's example site, copied for a test to build, serve or edit.

Only the tracked sources are copied: build output, caches, inbox data and keys left behind by
running the example by hand would otherwise leak into the test (and make "was it created?"
checks pass vacuously)."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example-site"
LOCAL_STATE = ("_site", ".fedipress-cache", ".fedipress-*", ".keys")


def copy_example(target: Path) -> Path:
    """Copy example-site to ``target`` (which must not exist) without local state; return it."""
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(*LOCAL_STATE))
    return target
