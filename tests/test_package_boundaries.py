"""inbox and sitegen never import each other; fedicore imports neither and does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_top_levels(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Top-level modules each ``.py`` file under ``root/package`` imports absolutely."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(root))] = names
    return found


def offenders(package: str, forbidden: set[str], root: Path = ROOT) -> dict[str, list[str]]:
    """Each file of ``root/package`` that imports a forbidden top-level, with what it imports."""
    return {path: sorted(names & forbidden)
            for path, names in imported_top_levels(package, root).items() if names & forbidden}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("inbox", {"sitegen", "fedipress"}),
        ("sitegen", {"inbox", "fedipress"}),
        ("fedicore", {"inbox", "sitegen", "fedipress", "httpx", "aiohttp", "aiosqlite", "litestar"}),
    ],
)
def test_package_does_not_import(package: str, forbidden: set[str]) -> None:
    assert f"{package}/__init__.py" in imported_top_levels(package)  # the real tree is scanned
    assert offenders(package, forbidden) == {}


def test_boundary_check_finds_a_forbidden_import(tmp_path: Path) -> None:
    # The checker itself must be able to fail: shown a package with one offending file, it names
    # that file and only the forbidden top-level, and passes the clean ones.
    package = tmp_path / "sample"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("import json\nfrom . import clean\n", "utf-8")
    (package / "clean.py").write_text("import os.path\nfrom .sub import bad\n", "utf-8")
    (package / "sub" / "bad.py").write_text(
        "import os\n\ndef f():\n    from sitegen.build import build\n    return build\n", "utf-8")
    assert imported_top_levels("sample", tmp_path) == {
        "sample/__init__.py": {"json"}, "sample/clean.py": {"os"},
        "sample/sub/bad.py": {"os", "sitegen"}}
    assert offenders("sample", {"sitegen", "fedipress"}, tmp_path) == {
        "sample/sub/bad.py": ["sitegen"]}
    assert offenders("sample", {"fedipress"}, tmp_path) == {}
