"""Reading a labeling-functions file (a Python module of decorated functions, or YAML rules) into a `FunctionSet`."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak.functions import LabelingFunction
from sdk_scripts.weak.rules import rules_from_yaml

HASH_LENGTH = 12
PYTHON, YAML = (".py",), (".yaml", ".yml")


@dataclass(frozen=True)
class FunctionSet:
    """The functions of one file, in the order the file defines them, the control they all label, and the hash
    of the file's bytes (the label model's `model_version` is `lf-<hash>`)."""

    path: Path
    functions: tuple[LabelingFunction, ...]
    control: str
    hash: str

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.functions]

    @property
    def whole_task(self) -> bool:
        """Whether any function reads more than the task's data (its predictions)."""
        return any(f.whole_task for f in self.functions)


def functions_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LENGTH]


def _line_in(path: Path, exc: BaseException) -> int | None:
    """The line of `path` where `exc` was raised (a SyntaxError's own line), or None."""
    if isinstance(exc, SyntaxError) and exc.filename == str(path):
        return exc.lineno
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == str(path)]
    return lines[-1] if lines else None


def _module_functions(path: Path, digest: str) -> list[LabelingFunction]:
    """The LabelingFunction objects a Python file defines at top level (its directory importable meanwhile)."""
    name = f"labelops_lf_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LabelopsError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 -- whatever the user's module raises on import is reported as one line
        sys.modules.pop(name, None)
        line = _line_in(path, exc)
        raise LabelopsError(f"{path}: importing it failed{f' (line {line})' if line else ''}: "
                            f"{type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(path.parent))
    found: list[LabelingFunction] = []
    for value in vars(module).values():
        if isinstance(value, LabelingFunction) and all(value is not f for f in found):
            found.append(value)
    return found


def load_functions(path: Path) -> FunctionSet:
    """The labeling functions of `path` (.py: its top-level `@labeling_function`s; .yaml/.yml: rules). A file that
    does not load, defines none, repeats a name or labels several controls is one LabelopsError."""
    path = Path(path)
    if path.suffix.lower() not in PYTHON + YAML:
        raise LabelopsError(f"{path}: labeling functions come in a Python module (.py) or YAML rules (.yaml, .yml)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LabelopsError(f"cannot read {path}: {exc.strerror or exc}") from exc
    digest = functions_hash(data)
    if path.suffix.lower() in YAML:
        functions = rules_from_yaml(data.decode("utf-8", errors="replace"), path)
    else:
        functions = _module_functions(path, digest)
    if not functions:
        raise LabelopsError(f"{path}: defines no labeling function (decorate them with "
                            "@labeling_function(control=...) from sdk_scripts.weak)")
    names = [f.name for f in functions]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise LabelopsError(f"{path}: several labeling functions are named {', '.join(map(repr, twice))}")
    controls = sorted({f.control for f in functions})
    if len(controls) > 1:
        raise LabelopsError(f"{path}: the functions label several controls ({', '.join(controls)}); a label matrix "
                            "is one control's: one file per control")
    return FunctionSet(path, tuple(functions), controls[0], digest)
