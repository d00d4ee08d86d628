"""inbox and sitegen never import each other; fedicore imports neither and does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_top_levels(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("inbox", {"sitegen", "fedipress"}),
        ("sitegen", {"inbox", "fedipress"}),
        ("fedicore", {"inbox", "sitegen", "fedipress", "httpx", "aiohttp", "aiosqlite", "litestar"}),
    ],
)
def test_package_does_not_import(package: str, forbidden: set[str]) -> None:
    offenders = {
        path: sorted(names & forbidden)
        for path, names in imported_top_levels(package).items()
        if names & forbidden
    }
    assert offenders == {}


def test_boundary_check_sees_imports(tmp_path: Path) -> None:
    # The checker itself must be able to fail: it finds an import it is shown.
    sample = ROOT / "inbox" / "__init__.py"
    assert "inbox/__init__.py" in imported_top_levels("inbox")
    assert sample.exists()
    tree = ast.parse("import sitegen.build\nfrom sitegen import x\n")
    names = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert names == {"sitegen"}
