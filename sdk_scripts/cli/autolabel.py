"""`labelops autolabel`: confident predictions accepted as labels, an audit sample to review (parsing and printing)."""

from __future__ import annotations

import argparse
import json

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared

HELP = "accept predictions at or above a confidence as labels; send a seeded audit sample of them to review"
DESCRIPTION = (
    "Accept the stored predictions of one model version (the label model's lf-..., the trained backend's "
    "labelops-p<id>-v<N>, ...) at or above a confidence as the labels of tasks nobody labelled: each is marked in "
    "its task's meta, leaves the annotators' stream, and is exported with final_source auto and its score as "
    "weight. The confidence is --min-confidence, or calibrated on the labelled tasks to --target-precision. A "
    "seeded --audit fraction goes to the review project with the auto-label pre-filled; `review pull` measures "
    "the precision reviewers confirm and, below the target, stops auto-labeling until --reset-audit. Rerunning "
    "marks and samples only new tasks.")


def cmd_autolabel(args: argparse.Namespace) -> int:
    from sdk_scripts.autolabel.render import report_lines
    from sdk_scripts.autolabel.run import AutolabelOptions, autolabel
    from sdk_scripts.cli.context import label_studio

    client = label_studio(args)
    options = AutolabelOptions(args.model_version, args.min_confidence, args.target_precision, args.audit, args.seed,
                               args.min_labelled, args.review_project, args.reset_audit, args.dry_run)
    report = autolabel(client, args.project, options)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print("\n".join(report_lines(report, client.url)))
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    parser = shared.command(commands, "autolabel", cmd_autolabel, HELP, DESCRIPTION,
                            parents=[shared.project, shared.json])
    parser.add_argument("--model-version", metavar="VERSION",
                        help="the predictions to accept (default: the project's model version)")
    parser.add_argument("--min-confidence", type=types.fraction, metavar="C",
                        help="accept predictions scored at or above C in [0, 1] (default: calibrate to "
                             "--target-precision on the labelled tasks)")
    parser.add_argument("--target-precision", type=types.float_between(0.0, 1.0, low_open=True), default=0.95,
                        metavar="P", help="precision the threshold is calibrated to and the audit must confirm "
                                          "(default 0.95)")
    parser.add_argument("--min-labelled", type=types.positive_int, default=20, metavar="N",
                        help="labelled tasks with a prediction that calibration needs at least (default 20)")
    parser.add_argument("--audit", type=types.fraction, default=0.05, metavar="FRACTION",
                        help="fraction in [0, 1] of the auto-labels sent to review (default 0.05; at least one)")
    parser.add_argument("--seed", type=types.integer, default=0, help="seed of the audit sample (default 0)")
    parser.add_argument("--review-project", metavar="TITLE", type=types.project_title,
                        help="review project title (default: '<source title> [review]')")
    parser.add_argument("--reset-audit", action="store_true",
                        help="close the audit round (after a stop): keep the audited labels reviewers decided, "
                             "withdraw the others, start a new round with a fresh sample")
    parser.add_argument("--dry-run", action="store_true", help="plan and report, write nothing")
