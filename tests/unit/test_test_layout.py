"""The tests' own layout: every test in a tier, helpers in tests/support/, no test module importing another.

Imports are read with `ast` (inside functions too); a failure names the file, the line and the import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import ROOT

TESTS = ROOT / "tests"
TIERS = ("unit", "integration")
# What starts a server or a browser: a unit test imports none of these (sdk_scripts.devserver.ports, a free
# port, is fine).
SERVERS = ("sdk_scripts.devserver.label_studio", "sdk_scripts.devserver.backend", "sdk_scripts.devserver.postgres",
           "sdk_scripts.devserver.ray_cluster", "playwright")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import in `source`, relative ones resolved against `module`."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def imports_a_test_module(name: str) -> bool:
    """`tests.….test_x…` or `tests.….conftest…`: a module pytest collects or loads, not a helper."""
    parts = name.split(".")
    return parts[0] == "tests" and any(p.startswith("test_") or p == "conftest" for p in parts[1:])


def starts_a_server(name: str) -> bool:
    return any(name == s or name.startswith(s + ".") for s in SERVERS)


def problems(path: Path, source: str) -> list[str]:
    module, where = _module(path), path.relative_to(ROOT)
    tier = path.relative_to(TESTS).parts[0]
    out = [f"{where}:{line} imports {name}: move what is shared into tests/support/"
           for line, name in imported(source, module, path.name == "__init__.py") if imports_a_test_module(name)]
    if tier == "unit":
        out += [f"{where}:{line} imports {name}: a unit test starts no server (tests/integration/)"
                for line, name in imported(source, module) if starts_a_server(name)]
    return out


def python_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def test_no_test_imports_another_test_module_and_unit_tests_start_no_server() -> None:
    found = [p for path in python_files() for p in problems(path, path.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_every_test_module_is_in_a_tier_and_support_holds_none() -> None:
    tests = [p.relative_to(TESTS) for p in python_files() if p.name.startswith("test_")]
    assert len(tests) > 50
    assert [str(p) for p in tests if p.parts[0] not in TIERS] == []
    for tier in TIERS:
        assert any(p.parts[0] == tier for p in tests), tier
    # a package each, up to tests/: two tiers may then hold test modules of the same name
    folders = {folder for p in tests for folder in (TESTS / p).parents if TESTS in folder.parents}
    assert sorted(str(f.relative_to(TESTS)) for f in folders if not (f / "__init__.py").is_file()) == []


def test_the_layout_check_sees_what_it_checks() -> None:
    here = TESTS / "integration" / "review" / "test_x.py"
    source = ("from tests.integration.review.test_review_loop import helper\nimport tests.conftest\n"
              "from . import test_review_faults\nfrom tests.support.projects import PLAN\n"
              "def f():\n    from tests.unit import test_layers\n")
    assert [line.split(" imports ")[0] for line in problems(here, source)] == [
        "tests/integration/review/test_x.py:1", "tests/integration/review/test_x.py:2",
        "tests/integration/review/test_x.py:3", "tests/integration/review/test_x.py:6"]
    unit = TESTS / "unit" / "backend" / "test_x.py"
    source = ("from sdk_scripts.devserver.backend import LocalBackend\n"
              "from sdk_scripts.devserver.ports import free_port\nfrom playwright.sync_api import expect\n")
    assert [line.split(":")[1].split(" ")[0] for line in problems(unit, source)] == ["1", "3"]
