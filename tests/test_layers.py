"""The package is layered: each layer imports only the layers below it (issue: the house by layer).

core (pure arithmetic) < catalog (entries, files, lookups) < answers (typed results) < render | api < cli.
render and api are peers: neither imports the other. ``flopcheck/__init__`` is the public face and may
import anything lazily.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "flopcheck"
RANK = {"core": 0, "catalog": 1, "answers": 2, "render": 3, "api": 3, "cli": 4}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "flopcheck" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in RANK else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "flopcheck":
                found += [(node.lineno, f"flopcheck.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_module_belongs_to_a_layer() -> None:
    layers = {p.relative_to(PACKAGE).parts[0] for p in MODULES}
    assert layers <= set(RANK), layers - set(RANK)
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py"], loose


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_only(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0]
    bad = []
    for line, module in _imports(path):
        target = _layer(module)
        if target is None or target == own:
            continue
        if RANK[target] >= RANK[own]:
            bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {module} ({target} is not below {own})")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_is_pure(path: Path) -> None:
    """The core imports no catalog file types, no files, no printing, no environment."""
    forbidden = {"yaml", "pydantic", "typer", "rich", "os", "sys", "pathlib", "importlib", "json", "io"}
    used = {module.split(".")[0] for _, module in _imports(path)}
    assert not used & forbidden, used & forbidden


def test_the_layering_test_catches_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from flopcheck.cli import main\nfrom flopcheck import render\n", encoding="utf-8")
    assert [m for _, m in _imports(sample)] == ["flopcheck.cli", "flopcheck.render"]
    assert RANK[_layer("flopcheck.cli.main") or ""] > RANK["core"]
