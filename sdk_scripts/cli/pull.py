"""`labelops pull`: every task of a project with its annotations and predictions, into a directory."""

from __future__ import annotations

import argparse

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared


def cmd_pull(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.pull import pull_project

    report = pull_project(label_studio(args), args.project, args.out, page_size=args.page_size, source=args.source)
    print(f"pulled {report.tasks} tasks, {report.annotations} annotations, "
          f"{report.predictions} predictions into {report.out_dir}")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    pull = shared.command(commands, "pull", cmd_pull,
                          "write all tasks with annotations and predictions to a directory", parents=[shared.project])
    pull.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")
    pull.add_argument("--source", choices=("export", "tasks"), default="export",
                      help="export (default): Label Studio's export snapshot of the project, downloaded and streamed "
                      "to disk (the faster on large projects); tasks: the task API, page by page")
    pull.add_argument("--page-size", type=types.positive_int, default=100,
                      help="tasks per API page with --source tasks (default 100)")
