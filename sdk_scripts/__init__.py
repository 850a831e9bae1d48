"""labelops command-line tools for Label Studio: project setup, task import, pull, agreement."""

import sys

from sdk_scripts.extras import python_problem

_problem = python_problem(tuple(sys.version_info))
if _problem:
    raise SystemExit(f"labelops: error: {_problem}")


def __getattr__(name: str) -> str:
    # `sdk_scripts.__version__`, read from the installed package's metadata (pyproject.toml is the one place).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("labelops")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
