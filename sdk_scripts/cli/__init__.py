"""The `labelops` command line: one module per command group, registered here; parsing and printing only.

Every module in COMMANDS has `register(commands, shared)`: it adds its commands (and their older names) to
the top-level subparsers, taking the options many commands share from `shared` (`common.Shared`). Every
user-fixable problem surfaces as one `labelops: error: ...` line on stderr and exit code 1 (argument errors:
exit 2, as argparse does). A command's heavy imports (the SDK, numpy, torch) happen inside the command, so
`--help`, `--version` and completion answer without them (bench/cli_startup.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sdk_scripts.cli import (
    agreement,
    autolabel,
    backend,
    common,
    completion,
    configs,
    dataset,
    gold,
    lf,
    pii,
    preannotate,
    project,
    pull,
    review,
    status,
    tasks,
)
from sdk_scripts.cli.backend import cmd_backend_connect, cmd_serve_backend
from sdk_scripts.cli.completion import cmd_completion
from sdk_scripts.cli.configs import cmd_configs_list, cmd_configs_show, cmd_configs_validate
from sdk_scripts.cli.logs import log_level, log_to_stderr
from sdk_scripts.cli.pii import cmd_pii_scan
from sdk_scripts.cli.preannotate import cmd_preannotate
from sdk_scripts.cli.project import cmd_project_create
from sdk_scripts.cli.pull import cmd_pull
from sdk_scripts.cli.tasks import cmd_tasks_import
from sdk_scripts.errors import LabelopsError
from sdk_scripts.extras import extra_of, install_hint

# With the command functions `sdk_scripts.cli` had when it was one module: importable from here still, and
# one replaced here (as tests do) is the one that runs (`_handler`).
__all__ = ["build_parser", "main", "cmd_backend_connect", "cmd_serve_backend", "cmd_completion", "cmd_configs_list",
           "cmd_configs_show", "cmd_configs_validate", "cmd_pii_scan", "cmd_preannotate", "cmd_project_create",
           "cmd_pull", "cmd_tasks_import"]
_OLD_NAMES = frozenset(name for name in __all__ if name.startswith("cmd_"))


# The command groups, in the order `labelops --help` lists them.
COMMANDS = [configs, project, tasks, pii, pull, backend, preannotate, agreement, review, lf, autolabel, gold, dataset,
            status, completion]

DESCRIPTION = ("Quality tooling for Label Studio. Connection: LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or "
               "[label_studio] url/api_key in ~/.config/labelops/config.toml (or --config / LABELOPS_CONFIG).")


def build_parser() -> argparse.ArgumentParser:
    """The whole `labelops` parser: every command group of COMMANDS, the older names listed in the epilog."""
    parser = argparse.ArgumentParser(prog="labelops", description=DESCRIPTION)
    common.add_root_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = common.Shared()
    for module in COMMANDS:
        module.register(commands, shared)
    older = common.older_names(parser)
    parser.epilog = "Older names, still accepted: " + "; ".join(f"{old} = {new}" for old, new in older.items()) + "."
    return parser


def _handler(args: argparse.Namespace) -> common.Handler:
    """The command's function; for one of the old module-level names, the one this module holds now."""
    func = args.func
    return globals()[func.__name__] if func.__name__ in _OLD_NAMES else func


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # a command whose arguments are checked together (`--out` is a file or a directory by `--format`) sets
    # `check_arguments`: its problem is an argument error like argparse's own (exit 2)
    check = getattr(args, "check_arguments", None)
    problem = check(args) if check is not None else None
    if problem:
        parser.error(problem)
    undo_logging = log_to_stderr(log_level(args))
    try:
        return _handler(args)(args)
    except LabelopsError as exc:
        print(f"labelops: error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:  # a module of an extra that is not installed
        extra = extra_of(exc.name or "")
        if extra is None:
            raise
        print(f"labelops: error: {install_hint(extra, [exc.name or ''])}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("labelops: interrupted", file=sys.stderr)
        return 130
    finally:
        undo_logging()
