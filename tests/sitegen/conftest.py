"""Shared fixtures: the example site built once into a temporary folder, and a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.example_site import copy_example  # noqa: F401 - re-exported for sitegen tests


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run `fedipress ARGS` in-process as a user would; (exit code, stdout, stderr)."""
    from fedipress.cli import main

    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


class Built:
    def __init__(self, site: Path) -> None:
        self.site = site
        self.out = site / "_site"

    def json(self, relative: str) -> dict:
        return json.loads((self.out / relative).read_text("utf-8"))

    def text(self, relative: str) -> str:
        return (self.out / relative).read_text("utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    from sitegen.cli import run_build

    site = copy_example(tmp_path_factory.mktemp("example") / "site")
    run_build(site, quiet=True)
    return Built(site)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "site")
