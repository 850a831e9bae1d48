"""labelops for Label Studio: the `labelops` CLI, its domain packages, the Label Studio layer and the dev servers.

Layers (tests/unit/test_layers.py keeps the imports one way): `cli*.py` (the command line) -> domain
(`agreement/`, `review/`, `governance/`, `pii/`, project setup, task import / pull / preannotate,
`label_config_library`, `ml_backend_link`) -> `labelstudio/` (Label Studio I/O and vocabulary, shared with
the ML backend); `devserver/` starts local Label Studio, PostgreSQL and backend processes for the demo
(`demo.py`), the tests and the benchmarks. `errors`, `extras`, `fileio` and `exports` (each package's
`__all__`, its names loaded on first use) are used by every layer.
"""

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
