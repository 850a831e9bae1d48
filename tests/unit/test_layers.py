"""The import arrows run one way: CLI -> domain -> labelstudio; backend -> labelstudio; devserver for the harness.

Every module's imports are read with `ast` (imports inside functions included) and checked against the
layer each module belongs to; a failure names the module, the line and the forbidden import. Inside the
CLI, one command module does not import another: they share only the registry and its helper modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import ROOT

PACKAGES = ("sdk_scripts", "ml_backend")

# Imported by everything: the package itself (its Python check, __version__), the error type, the extras
# table, atomic file writes, the packages' lazy `__all__`.
BASE = frozenset({"sdk_scripts", "sdk_scripts.errors", "sdk_scripts.extras", "sdk_scripts.fileio",
                  "sdk_scripts.exports"})

# layer -> the layers its modules may import
ALLOWED = {
    "base": {"base"},
    "labelstudio": {"base", "labelstudio"},
    "domain": {"base", "labelstudio", "domain"},
    "cli": {"base", "labelstudio", "domain", "cli"},
    "demo": {"base", "labelstudio", "domain", "devserver", "demo"},
    "devserver": {"base", "labelstudio", "devserver"},
    "backend": {"base", "labelstudio", "backend"},
}
# The CLI imports the backend only to start it and to run preannotate in-process or on Ray, inside those commands.
CLI_BACKEND_COMMANDS = {("sdk_scripts.cli.backend", "cmd_serve_backend"): "ml_backend.__main__",
                        ("sdk_scripts.cli.preannotate", "cmd_preannotate"): "ml_backend.model",
                        ("sdk_scripts.cli.preannotate", "_on_ray"): "ml_backend.batch_predictor"}
# Inside the CLI, a command module imports only these (the registry, the parent parsers, the clients, logging,
# the argparse types), never another command module.
CLI_SHARED = frozenset({"sdk_scripts.cli", "sdk_scripts.cli.common", "sdk_scripts.cli.context", "sdk_scripts.cli.logs",
                        "sdk_scripts.cli.arg_types"})
# Known exceptions, each with its reason; the lead decides their future (issue 16).
EXCEPTIONS = {
    # TextArea semantic similarity finds the MiniLM weights where the backend's wheel ships them (lazy import).
    ("sdk_scripts.agreement.semantic", "ml_backend.weights"),
    # Labels on Text are served from the PII module's pattern recognizers (lazy import, the pii extra); moving
    # them would split presidio's setup from the NER option the CLI's `pii scan` shares with them.
    ("ml_backend.controls.text_spans", "sdk_scripts.pii.detect"),
    # The demo's image project shows the shapes the shipped detector learned from, drawn by its own generator
    # (pure numpy + Pillow), so the detector's boxes in Label Studio are what it was trained to find.
    ("sdk_scripts.demo.images", "ml_backend.training.shapes"),
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module in BASE:
        return "base"
    if parts[0] == "ml_backend":
        return "backend"
    if parts[1] in ("labelstudio", "devserver", "demo"):
        return parts[1]
    if parts[1] == "cli":
        return "cli"
    return "domain"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(name: str) -> str:
    """The longest prefix of a dotted name that is one of our modules (`from pkg import module` names the module)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:end])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return ".".join(parts[:end])
    return name


class Imports(ast.NodeVisitor):
    """(line, imported module, enclosing top-level function or None) for every import of our packages."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.function: str | None = None
        self.found: list[tuple[int, str, str | None]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.function
        self.function = outer or node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def _add(self, line: int, name: str) -> None:
        if name.split(".")[0] in PACKAGES:
            self.found.append((line, resolve(name), self.function))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node.lineno, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            anchor = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join(anchor + ([node.module] if node.module else []))
        for alias in node.names:
            self._add(node.lineno, f"{base}.{alias.name}")


def imports() -> Iterator[tuple[str, int, str, str | None]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = module_name(path)
            visitor = Imports(module, path.name == "__init__.py")
            visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for line, target, function in visitor.found:
                yield module, line, target, function


def violations() -> list[str]:
    out = []
    for module, line, target, function in imports():
        source, dest = layer_of(module), layer_of(target)
        if dest in ALLOWED[source] or (module, target) in EXCEPTIONS:
            continue
        if source == "cli" and function is not None and CLI_BACKEND_COMMANDS.get((module, function)) == target:
            continue
        where = f" (in {function})" if function else ""
        out.append(f"{module}:{line}{where} imports {target}: {source} may not import {dest}")
    return list(dict.fromkeys(out))


def cli_violations() -> list[str]:
    out = []
    for module, line, target, _ in imports():
        if layer_of(module) == layer_of(target) == "cli" and module not in CLI_SHARED and target not in CLI_SHARED:
            out.append(f"{module}:{line} imports {target}: a command module may import only {sorted(CLI_SHARED)}")
    return list(dict.fromkeys(out))


def test_imports_follow_the_layers() -> None:
    assert not violations(), "\n".join(violations())


def test_cli_command_modules_do_not_reach_into_each_other() -> None:
    assert not cli_violations(), "\n".join(cli_violations())


def test_the_layer_check_sees_what_it_checks() -> None:
    found = list(imports())
    assert len(found) > 200
    assert {layer_of(m) for m, *_ in found} == set(ALLOWED)
    # imports inside functions are seen, and a backend import from a CLI command outside the two is refused
    assert ("sdk_scripts.cli.preannotate", "ml_backend.model", "cmd_preannotate") in {(m, t, f) for m, _, t, f in found}
    assert layer_of("sdk_scripts.review.push") == "domain" and layer_of("sdk_scripts.cli.backend") == "cli"
    assert ("sdk_scripts.cli", 0, "sdk_scripts.cli.configs", None) in [(m, 0, t, f) for m, _, t, f in found]
    assert layer_of("sdk_scripts.labelstudio.client") == "labelstudio" and layer_of("ml_backend.server") == "backend"
    assert resolve("sdk_scripts.labelstudio.client.LabelStudioClient") == "sdk_scripts.labelstudio.client"
    assert "domain" not in ALLOWED["labelstudio"] and "backend" not in ALLOWED["domain"]
