"""`labelops gold import / report`: gold tasks served first, annotators scored on them (parsing and printing)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared

IMPORT_HELP = "write a gold set as ground truth Label Studio serves first; --rate mixes more in later"
IMPORT_DESCRIPTION = (
    'FILE is JSON Lines of {"task": id, "result": [...]} or {"data": {...}, "result": [...]}. Each task gets a '
    "ground-truth annotation, an overlap that lets every member of the organization get it, and the gold marker "
    "in its meta; the project's annotator evaluation is turned on, so Label Studio serves the gold tasks before "
    "any other to every annotator who has not done them. A task not in the project, an answer the labeling "
    "config does not accept, or a task with a different ground truth (without --replace): one error, nothing "
    "written. Rerunning writes only what differs.")
REPORT_HELP = "per-annotator accuracy on the gold set: overall, by week, by gold label; who is flagged"


def cmd_gold_import(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.quality.gold_import import import_gold

    result = import_gold(label_studio(args), args.project, args.file, min_score=args.min_score,
                         min_tasks=args.min_tasks, onboarding=args.onboarding, rate=args.rate, replace=args.replace,
                         dry_run=args.dry_run)
    print(("dry run, nothing written: " if args.dry_run else "") + result.summary())
    return 0


def cmd_gold_report(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.quality.gold_eval import evaluate_gold
    from sdk_scripts.quality.gold_render import render_gold
    from sdk_scripts.quality.gold_tasks import GoldPolicy, gold_tasks, policy_of

    client = label_studio(args)
    project = client.project(args.project)
    tasks = list(client.iter_tasks(project["id"]))
    stored = policy_of(gold_tasks(tasks))
    policy = GoldPolicy(stored.min_score if args.min_score is None else args.min_score,
                        stored.min_tasks if args.min_tasks is None else args.min_tasks)
    report = evaluate_gold(project["label_config"], tasks, client.user_emails(), policy)
    if args.json:
        print(json.dumps({"project": project["id"], **report.to_json()}, indent=2, default=str))
    else:
        print(f"gold tasks of project {project['id']} {project['title']!r} on {client.url}\n{render_gold(report)}")
    return 0


def _policy_options(parser: argparse.ArgumentParser, where: str) -> None:
    parser.add_argument("--min-score", type=types.fraction, metavar="SCORE",
                        help=f"gold accuracy in [0, 1] below which an annotator is flagged and their labels are "
                        f"left out of the finals ({where}; at first none)")
    parser.add_argument("--min-tasks", type=types.positive_int, metavar="N",
                        help=f"gold tasks an annotator answers before the minimum applies ({where}; at first 1)")


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    gold = shared.group(commands, "gold", "gold tasks: onboarding, evaluation, flagged annotators",
                        "Gold tasks served first to every annotator, annotators scored on them, and a minimum "
                        "score below which an annotator's labels are left out of the finals.")
    add = shared.command(gold, "import", cmd_gold_import, IMPORT_HELP, IMPORT_DESCRIPTION, parents=[shared.project])
    add.add_argument("file", type=Path, metavar="FILE", help="the gold file (JSON Lines)")
    _policy_options(add, "stored with the gold set; default: the stored value")
    add.add_argument("--onboarding", type=types.non_negative_int, metavar="N",
                     help="make the file's first N rows gold now (default: all of them, or none with --rate)")
    add.add_argument("--rate", type=types.float_between(0.0, 0.95, low_open=True), metavar="SHARE",
                     help="make more rows gold as annotators progress, so they are about this share of what the "
                     "busiest annotator is served; rerun after each pull")
    add.add_argument("--replace", action="store_true", help="overwrite a task's different ground truth")
    add.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    report = shared.command(gold, "report", cmd_gold_report, REPORT_HELP, REPORT_HELP + ".",
                            parents=[shared.project, shared.json])
    _policy_options(report, "a preview, not stored; default: the gold set's")
