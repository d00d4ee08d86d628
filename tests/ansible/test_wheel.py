"""site.yml builds the wheel it deploys from the checkout; a second run stays a no-op only
because the same checkout gives a byte-identical wheel (hatchling builds reproducibly)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _build(source: Path, dest: Path) -> bytes:
    # The same command as site.yml's first pre_task.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--wheel-dir", str(dest), str(source)],
                   check=True, capture_output=True, timeout=180)
    (wheel,) = dest.glob("fedipress-*.whl")
    return wheel.read_bytes()


def test_wheel_built_twice_from_the_same_checkout_is_byte_identical(tmp_path: Path) -> None:
    # A snapshot of the committed tree: the shared working copy may change between builds.
    source = tmp_path / "source"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True,
                             capture_output=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True, timeout=60)
    first = _build(source, tmp_path / "one")
    second = _build(source, tmp_path / "two")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
