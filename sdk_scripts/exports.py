"""A package's public names (`__all__`), each imported from its submodule on first use (`lazy_exports`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> tuple[list[str], Callable[[str], Any]]:
    """`__all__` and the module `__getattr__` of `package`, whose public names live in submodules.

    `where` maps each public name to the submodule that defines it (`{"create_app": "server"}`); the
    package writes `__all__, __getattr__ = lazy_exports(__name__, _WHERE)`. A name imports
    `package.<submodule>` when it is first read (so importing the package imports none of them), and is
    then kept on the package; any other name raises AttributeError.
    """

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)  # the next read does not come here
        return value

    return sorted(where), __getattr__
