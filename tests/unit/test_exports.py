"""Each package's `__all__` (sdk_scripts/exports.py): every name resolves to what its submodule defines, other
names raise AttributeError, and importing the packages imports neither numpy, torch nor the Label Studio SDK.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from importlib import import_module
from types import ModuleType

import pytest

from tests.support.paths import ROOT

PACKAGES = ("sdk_scripts.labelstudio", "sdk_scripts.devserver", "sdk_scripts.agreement",
            "sdk_scripts.agreement.kinds", "sdk_scripts.review", "sdk_scripts.governance", "sdk_scripts.pii",
            "sdk_scripts.quality", "sdk_scripts.formats", "sdk_scripts.autolabel", "sdk_scripts.weak",
            "sdk_scripts.demo", "ml_backend", "ml_backend.controls", "ml_backend.active_learning",
            "ml_backend.training")
HEAVY = ("numpy", "torch", "label_studio_sdk", "label_studio_ml")


def top_level_names(module: ModuleType) -> set[str]:
    """Names a module's own source binds at top level (def, class, assignment), not those it imports."""
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_resolves_inside_its_package(name: str) -> None:
    package = import_module(name)
    where = package._WHERE
    assert where and package.__all__ == sorted(where)
    submodules = {p.stem if p.is_file() else p.name for p in ROOT.joinpath(*name.split(".")).iterdir()
                  if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    # A name that is also a submodule's would turn into that submodule once it is imported.
    assert not set(where) & submodules, f"{name}: exported names that are submodules: {set(where) & submodules}"
    for export, module_name in where.items():
        assert module_name in submodules, f"{name}.{export}: no submodule {module_name!r}"
        value = getattr(package, export)
        module = import_module(f"{name}.{module_name}")
        assert value is getattr(module, export)
        if inspect.isclass(value) or inspect.isroutine(value):
            assert value.__module__ == module.__name__, f"{name}.{export} is defined in {value.__module__}"
        else:
            assert export in top_level_names(module), f"{name}.{export} is not bound in {module.__name__}"


@pytest.mark.parametrize("name", PACKAGES)
def test_an_unknown_name_raises_attribute_error(name: str) -> None:
    package = import_module(name)
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018
    assert not hasattr(package, "_private_helper")


def test_importing_the_packages_imports_nothing_heavy() -> None:
    code = (f"import sys, json\nimport {', '.join(PACKAGES)}\n"
            f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(loaded) == set(HEAVY)
    assert not any(loaded.values()), f"importing the packages imported {[m for m, v in loaded.items() if v]}"
