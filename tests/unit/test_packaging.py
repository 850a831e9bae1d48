"""Packaging: the wheel's contents, what each extra resolves to, constraints.txt, a lazy CLI, one-line errors."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from sdk_scripts import cli
from sdk_scripts.extras import EXTRA_MODULES, python_problem
from tests.support.backends import NETGUARD_DIR
from tests.support.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The first releases without a published advisory (Flask GHSA-68rp-wp8r-4726, Werkzeug CVE-2026-27199,
# Jinja2 CVE-2025-27516): no install of the backend may resolve below them.
ADVISORY_FLOORS = {"flask": Version("3.1.3"), "werkzeug": Version("3.1.6"), "jinja2": Version("3.1.6"),
                   "onnx": Version("1.17.0")}
# What an index offers besides today's versions: label-studio-ml 1.0.9 (the newest on PyPI) and the 2021
# releases it pins, with their real requirements. A resolution that could take them, would.
OLD_RELEASES = {
    ("label-studio-ml", "1.0.9"): ["Flask==1.1.2", "werkzeug==2.0.2", "Jinja2==3.0.3", "itsdangerous==2.0.1",
                                    "label-studio-tools>=0.0.1"],
    ("flask", "1.1.2"): ["Werkzeug>=0.15", "Jinja2>=2.10.1", "itsdangerous>=0.24", "click>=5.1"],
    ("werkzeug", "2.0.2"): [],
    ("jinja2", "3.0.3"): ["MarkupSafe>=2.0"],
    ("itsdangerous", "2.0.1"): [],
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out)], check=True, capture_output=True)
    return next(out.glob("labelops-*.whl"))


def test_wheel_contains_every_package_and_the_shipped_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.relative_to(ROOT)) for top in ("ml_backend", "sdk_scripts", "label_configs")
                for p in (ROOT / top).rglob("__init__.py") if "__pycache__" not in p.parts}
    assert packages and packages <= names, sorted(packages - names)
    shipped = {"ml_backend/models/shapes_yolo11n.pt", "ml_backend/data/emotions_60.json",
               "sdk_scripts/samples/emotion_tasks.jsonl", "label_configs/text_emotion.xml"}
    assert shipped <= names, sorted(shipped - names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: AGPL-3.0-only" in zipfile.ZipFile(wheel).read(metadata).decode()


# -- resolution, offline -------------------------------------------------------------------------


def _write_stub_wheel(folder: Path, name: str, version: str, metadata: str) -> None:
    """A wheel holding only metadata: enough for pip's resolver, which never installs it here."""
    stem = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    info = f"{stem}.dist-info"
    with zipfile.ZipFile(folder / f"{stem}-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{info}/METADATA", metadata)
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: labelops-tests\nRoot-Is-Purelib: true\n"
                                     "Tag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")


def _local_pip_sources() -> list[str]:
    """pip options for the on-disk indexes and wheel folders pip is configured with here (never a network one)."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    urls = [u for line in listed.splitlines() if "index-url" in line.split("=", 1)[0]
            for u in line.split("=", 1)[1].strip("'\" ").split() if u.startswith("file://")]
    dirs = [d for line in listed.splitlines() if line.split("=", 1)[0].endswith(".find-links")
            for d in line.split("=", 1)[1].strip("'\" ").split() if os.path.isdir(d)]
    options = [f"--index-url={urls[0]}", *(f"--extra-index-url={u}" for u in urls[1:])] if urls else ["--no-index"]
    return options + [f"--find-links={d}" for d in dict.fromkeys(dirs)]


@pytest.fixture(scope="module")
def resolve(wheel: Path, tmp_path_factory: pytest.TempPathFactory):
    """`pip install --dry-run --report` of labelops[extras] into a fresh venv, offline.

    Candidates: this venv's installed distributions (their real metadata, as stub wheels), the old releases
    above, and the local indexes pip is configured with. The network is blocked (tests/support/netguard).
    """
    base = tmp_path_factory.mktemp("resolve")
    stubs = base / "stubs"
    stubs.mkdir()
    seen = set()
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        text = dist.read_text("METADATA")
        if name in seen or name == "labelops" or text is None:
            continue
        seen.add(name)
        _write_stub_wheel(stubs, name, dist.version, text)
    for (name, version), requires in OLD_RELEASES.items():
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        _write_stub_wheel(stubs, name, version, "\n".join(lines + [f"Requires-Dist: {r}" for r in requires]) + "\n")
    fresh = base / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    env = {**os.environ, "PYTHONPATH": NETGUARD_DIR, "NETGUARD_LOG": str(base / "net.log"),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    def run(extras: str) -> dict[str, Version]:
        report = base / f"report-{extras or 'core'}.json"
        requirement = f"labelops{f'[{extras}]' if extras else ''} @ {wheel.as_uri()}"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(fresh / "bin" / "python"), "install", "--dry-run",
             "--quiet", "--only-binary=:all:", "--report", str(report), *_local_pip_sources(),
             f"--find-links={stubs}", requirement],
            capture_output=True, text=True, env=env, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        assert not (base / "net.log").exists(), (base / "net.log").read_text()
        installs = json.loads(report.read_text())["install"]
        return {canonicalize_name(i["metadata"]["name"]): Version(i["metadata"]["version"]) for i in installs}

    return run


def test_core_install_has_neither_torch_nor_the_label_studio_server(resolve) -> None:
    resolved = resolve("")
    assert "label-studio-sdk" in resolved and "labelops" in resolved
    heavy = {"torch", "torchvision", "ultralytics", "ultralytics-opencv-headless", "sentence-transformers",
             "label-studio", "django", "label-studio-ml", "flask", "gunicorn", "presidio-analyzer"}
    assert not heavy & set(resolved), sorted(heavy & set(resolved))


def test_backend_install_resolves_above_the_advisory_floors_with_headless_opencv(resolve) -> None:
    resolved = resolve("backend")
    for name, floor in ADVISORY_FLOORS.items():
        assert resolved[name] >= floor, f"{name} {resolved[name]} < {floor}"
    assert "label-studio-ml" not in resolved
    assert resolved["torch"].public == "2.14.1" and resolved["torchvision"].public == "0.29.1"
    assert "opencv-python-headless" in resolved and "opencv-python" not in resolved, "one OpenCV, headless"
    assert "label-studio" not in resolved, "the backend does not need the Label Studio server"


def test_backend_extra_declares_the_advisory_floors() -> None:
    declared = {canonicalize_name(r.name): r.specifier
                for r in map(Requirement, PYPROJECT["project"]["optional-dependencies"]["backend"])}
    for name, floor in ADVISORY_FLOORS.items():
        below = Version(f"{floor.major}.{floor.minor}.{floor.micro - 1}") if floor.micro else None
        assert name in declared and floor in declared[name], name
        assert below is None or below not in declared[name], f"{name} {declared[name]} admits {below}"


def _third_party_imports() -> dict[str, set[str]]:
    """{top-level module: files} of every absolute import in our code, tests and benches (stdlib and ours left out)."""
    import ast

    folders = ("ml_backend", "sdk_scripts", "label_configs", "tests", "bench", "tools", "deploy")
    files = [f for top in folders for f in (ROOT / top).rglob("*.py") if "__pycache__" not in f.parts]
    ours = set(folders) | {f.stem for f in files}  # packages, and scripts importing their neighbours
    found: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in (name.split(".", 1)[0] for name in names):
                if top not in sys.stdlib_module_names and top not in ours and top != "__future__":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_direct_import_is_declared() -> None:
    project = PYPROJECT["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    declared |= {canonicalize_name(Requirement(r).name) for extra in project["optional-dependencies"].values()
                 for r in extra}
    providers = importlib.metadata.packages_distributions()
    imports = _third_party_imports()
    assert {"numpy", "flask", "torch", "label_studio_sdk"} <= set(imports)
    undeclared = {module: sorted(files)[:3] for module, files in imports.items()
                  if not declared & {canonicalize_name(d) for d in providers.get(module, [])}}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def _module_level_imports(path: Path) -> set[str]:
    """Modules a file imports when it is loaded (its top-level statements, not those inside functions)."""
    import ast

    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_clis_modules_load_without_any_extra() -> None:
    """Every CLI module, and each of our modules it loads, imports no extra's package when loaded (a command
    imports what it needs when it runs). Left out: the local Label Studio harness and the PII package."""
    left_out = ("sdk_scripts/demo/", "sdk_scripts/devserver/", "sdk_scripts/pii/")
    todo = [p for p in (ROOT / "sdk_scripts").rglob("*.py") if not str(p.relative_to(ROOT)).startswith(left_out)]
    extras = {m for extra in ("backend", "pii", "server") for m in EXTRA_MODULES[extra]}
    seen: set[Path] = set()
    offending = {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _module_level_imports(path):
            if name.split(".")[0] in extras:
                offending.setdefault(str(path.relative_to(ROOT)), []).append(name)
            for candidate in (ROOT / (name.replace(".", "/") + ".py"), ROOT / name.replace(".", "/") / "__init__.py"):
                if name.split(".")[0] in ("sdk_scripts", "ml_backend") and candidate.is_file():
                    todo.append(candidate)
    assert len(seen) > 30 and not offending, offending


# -- constraints.txt -------------------------------------------------------------------------------


def _constraints() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==", 1) for line in lines if line and not line.startswith("#")]
    assert all(len(p) == 2 for p in pins), "constraints.txt holds exact pins only"
    return {canonicalize_name(name): version for name, version in pins}


def test_constraints_pin_every_declared_requirement_and_this_venv_matches_them() -> None:
    pins = _constraints()
    project = PYPROJECT["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    for req in declared:
        name = canonicalize_name(req.name)
        if name == "labelops":
            continue
        assert name in pins, f"{name} is declared but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req} vs pin {pins[name]}"
    for name, version in pins.items():  # `make install` installed exactly these
        assert importlib.metadata.version(name) == version, name
    for name, floor in ADVISORY_FLOORS.items():
        assert Version(pins[name]) >= floor, name
    assert not {"opencv-python", "ultralytics", "label-studio-ml"} & set(pins)


def test_constraints_closure_follows_requirements_markers_and_extras() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from freeze_constraints import closure
    finally:
        sys.path.remove(str(ROOT / "tools"))
    world = {"a": ("1.0", ["b>=2", "c; extra == 'fast'", "d; python_version < '3'"]), "b": ("2.1", []),
             "c": ("0.5", ["e"]), "e": ("3", []), "d": ("1", []), "leftover": ("9", [])}
    assert closure([Requirement("a")], world.get) == {"a": "1.0", "b": "2.1"}
    assert closure([Requirement("a[fast]"), Requirement("me[x]")], world.get, skip="me") == {
        "a": "1.0", "b": "2.1", "c": "0.5", "e": "3"}
    with pytest.raises(LookupError, match="b 2.1 is installed"):
        closure([Requirement("b>=3")], world.get)


# -- the version, in one place ---------------------------------------------------------------------


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture) -> None:
    import sdk_scripts

    assert sdk_scripts.__version__ == importlib.metadata.version("labelops") == PYPROJECT["project"]["version"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"labelops {PYPROJECT['project']['version']}\n"


def test_python_version_check() -> None:
    assert python_problem((3, 11, 0)) is None and python_problem((3, 13, 1)) is None
    assert python_problem((3, 10, 12)) == "labelops needs Python 3.11 or newer; this is Python 3.10.12"
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


# -- a fast, complete CLI ---------------------------------------------------------------------------


def _subcommand_paths(parser, prefix: tuple[str, ...] = ()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _subcommand_paths(sub, (*prefix, name))


def test_help_and_version_import_nothing_heavy() -> None:
    code = ("import sys\nfrom sdk_scripts import cli\nfor argv in (['--help'], ['--version']):\n"
            "    try:\n        cli.main(argv)\n    except SystemExit:\n        pass\n"
            "heavy = ('numpy', 'pandas', 'torch', 'label_studio_sdk', 'httpx', 'label_studio', 'sklearn', 'ray')\n"
            "print(sorted(m for m in heavy if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.splitlines()[-1] == "[]"


def test_every_subcommand_has_help_and_argument_errors_exit_2(capsys: pytest.CaptureFixture) -> None:
    paths = list(_subcommand_paths(cli.build_parser()))
    assert ("configs", "validate") in paths and ("completion",) in paths and len(paths) > 20
    for path in paths:
        with pytest.raises(SystemExit) as exit_info:
            cli.main([*path, "--help"])
        assert exit_info.value.code == 0, path
        assert capsys.readouterr().out.startswith(f"usage: labelops {' '.join(path)}"), path
    for bad in (["configs", "validate"], ["pull", "1"], ["no-such-command"], ["completion", "fish"],
                ["serve-backend", "--port", "many"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(bad)
        assert exit_info.value.code == 2, bad
        assert "usage: labelops" in capsys.readouterr().err


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_script_lists_the_commands(shell: str, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for word in ("configs", "serve-backend", "preannotate", "--strategy", "least-confidence"):
        assert word in script, word
    result = subprocess.run([shell, "-n"], input=script, capture_output=True, text=True) if shell == "bash" \
        else None
    assert result is None or result.returncode == 0, result.stderr


def test_verbosity_flags_set_the_log_level(capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    seen = []

    def report(args) -> int:
        logging.getLogger("labelops").info("labelops: info line")
        logging.getLogger("somelib").warning("warning line")
        seen.append(logging.getLogger().getEffectiveLevel())
        return 0

    monkeypatch.setattr(cli, "cmd_configs_list", report)
    for flags, level in (([], logging.WARNING), (["-v"], logging.INFO), (["-vv"], logging.DEBUG),
                         (["-q"], logging.ERROR)):
        assert cli.main([*flags, "configs", "list"]) == 0
        err = capsys.readouterr().err
        assert seen[-1] == level, flags
        assert ("labelops: info line" in err) == (level <= logging.INFO), flags
        assert ("labelops: warning: somelib: warning line" in err) == (level <= logging.WARNING), flags


# -- missing extras: one line saying what to install -----------------------------------------------

HIDER = '''
import os, sys
HIDDEN = set(os.environ["LABELOPS_TEST_HIDE"].split(","))
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _Hide())
'''


def _without(modules: set[str], argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run a command in a process where these modules cannot be imported (as if their extra were not installed)."""
    (tmp_path / "sitecustomize.py").write_text(HIDER)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "LABELOPS_TEST_HIDE": ",".join(sorted(modules))}
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


def test_serve_backend_without_the_backend_extra_says_what_to_install(tmp_path: Path) -> None:
    labelops = str(Path(sys.executable).with_name("labelops"))
    result = _without({"torch", "gunicorn"}, [labelops, "serve-backend", "--port", "1"], tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("labelops: error: `labelops serve-backend` needs the ML backend (not installed: "
                             "gunicorn, torch): pip install 'labelops[backend]'\n")
    direct = _without({"torch"}, [sys.executable, "-m", "ml_backend", "--port", "1"], tmp_path)
    assert direct.returncode == 1 and direct.stderr.count("\n") == 1
    assert "not installed: torch" in direct.stderr and "pip install 'labelops[backend]'" in direct.stderr


def test_pii_commands_without_the_pii_extra_say_what_to_install(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"data": {"text": "call me at +44 20 7946 0958"}}\n')
    labelops = str(Path(sys.executable).with_name("labelops"))
    result = _without(set(EXTRA_MODULES["pii"]), [labelops, "pii", "scan", str(tasks)], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("labelops: error: `labelops pii scan` needs personal-data detection")
    assert result.stderr.endswith("pip install 'labelops[pii]'\n")


def test_a_module_of_a_missing_extra_anywhere_gives_one_line(capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    def needs_torch(args) -> int:
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    monkeypatch.setattr(cli, "cmd_configs_list", needs_torch)
    assert cli.main(["configs", "list"]) == 1
    assert capsys.readouterr().err == ("labelops: error: this needs the ML backend (not installed: torch): "
                                       "pip install 'labelops[backend]'\n")

    def needs_a_core_module(args) -> int:
        raise ModuleNotFoundError("No module named 'numpy'", name="numpy")

    monkeypatch.setattr(cli, "cmd_configs_list", needs_a_core_module)
    with pytest.raises(ModuleNotFoundError):  # not an extra: a broken install, keeps its traceback
        cli.main(["configs", "list"])
