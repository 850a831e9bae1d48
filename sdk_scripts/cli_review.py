"""The review-loop commands of `labelops`: review push/pull, export, edge-cases, status.

Argument parsing and printing only; the work is in `sdk_scripts.review`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the SDK behind the client is imported only when a command runs (fast --help)
    from sdk_scripts.labelstudio.client import LabelStudioClient


def client_from_args(args: argparse.Namespace) -> LabelStudioClient:
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.labelstudio.connection import load_connection

    return LabelStudioClient(load_connection(args.config))


def project_state_from_args(args: argparse.Namespace, client: LabelStudioClient):
    from sdk_scripts.agreement.engine import per_task_scores
    from sdk_scripts.review.project_state import load_project_state

    return load_project_state(client, args.project, per_task_scores, threshold=args.threshold,
                              review_title=args.review_project)


def cmd_review_push(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import per_task_scores
    from sdk_scripts.review.push import push_reviews

    client = client_from_args(args)

    def waiting(lock: Path) -> None:
        print(f"waiting for another review run on this project to finish (lock {lock}) ...", file=sys.stderr)

    report = push_reviews(client, args.project, per_task_scores, threshold=args.threshold,
                          qa_fraction=args.qa_sample, seed=args.seed, review_title=args.review_project,
                          on_wait=waiting)
    for message in report.messages:
        print(f"note: {message}")
    if report.duplicates_removed:
        print(f"note: removed {len(report.duplicates_removed)} duplicate review task(s) made by runs that overlapped")
    project = report.review_project
    print(f"review project {project['id']} {project['title']!r}: {len(report.picks)} tasks need review; "
          f"{len(report.created)} created, {len(report.refreshed)} refreshed, {len(report.unchanged)} unchanged")
    if report.orphaned:
        print(f"orphaned: review tasks {', '.join(map(str, report.orphaned))} point at deleted source tasks")
    print(f"  {client.url}/projects/{project['id']}/data")
    return 0


def cmd_review_pull(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import per_task_scores
    from sdk_scripts.review.collect import collect_reviews, write_collect_output

    report = collect_reviews(client_from_args(args), args.project, per_task_scores, threshold=args.threshold,
                             review_title=args.review_project)
    write_collect_output(report, args.out)
    counts = report.state.counts()
    print(f"{len(report.state.reviews)} reviews: ground truth written to {len(report.written)} tasks, "
          f"updated on {len(report.updated)}, removed from {len(report.removed)}")
    if report.waiting:
        print(f"waiting: tasks {', '.join(map(str, report.waiting))} still wait for annotators; their ground truth "
              "is written by a pull after the last one answers (written now, it would close them early)")
    print("states: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if report.state.orphaned:
        print(f"orphaned: review tasks {', '.join(map(str, report.state.orphaned))} point at deleted source tasks")
    print(f"  written to {args.out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from sdk_scripts.arg_types import split_ratios
    from sdk_scripts.errors import LabelopsError
    from sdk_scripts.governance.imbalance import imbalance
    from sdk_scripts.review.export import write_export, write_splits

    ratios = None
    if args.split:
        try:
            ratios = split_ratios(args.split)
        except argparse.ArgumentTypeError as exc:
            raise LabelopsError(f"--split: {exc}") from None
    state = project_state_from_args(args, client_from_args(args))
    report = write_export(state, args.out)
    print(f"exported {report.exported} tasks to {report.path}; {report.quarantined} quarantined to "
          f"{report.quarantine_path}")
    if ratios:
        for name, (path, rows) in write_splits(state, args.out, ratios, args.seed, args.stratify).items():
            shares = ", ".join(f"{r['label']} {r['count']}" for control in imbalance(rows, 0).values() for r in control)
            print(f"  {name}: {len(rows)} tasks -> {path} ({shares or 'no labels'})")
    return 0


def cmd_edge_cases(args: argparse.Namespace) -> int:
    from sdk_scripts.review.edge_cases import write_edge_cases

    client = client_from_args(args)
    entries = write_edge_cases(project_state_from_args(args, client), args.out, client.download,
                               label_studio_url=client.url)
    print(f"{len(entries)} edge cases in {args.out / 'index.html'} and {args.out / 'edge_cases.json'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from sdk_scripts.review.status import status_lines

    client = client_from_args(args)
    print("\n".join(status_lines(project_state_from_args(args, client), client.url)))
    return 0


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    """PROJECT, --review-project and --threshold: what every command reading the loop's state takes."""
    from sdk_scripts import arg_types as types

    parser.add_argument("project", type=types.project_ref, help="source project id or exact title")
    parser.add_argument("--review-project", metavar="TITLE", type=types.project_title,
                        help="review project title (default: '<source title> [review]')")
    parser.add_argument("--threshold", type=types.fraction, default=0.8,
                        help="per-task agreement in [0, 1] below which a task needs review (default 0.8)")


def register(commands: argparse._SubParsersAction) -> None:
    from sdk_scripts import arg_types as types

    review = commands.add_parser("review", help="send disagreements to reviewers and collect their decisions",
                                 description="The multi-pass review loop.")
    review_sub = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    push = review_sub.add_parser(
        "push", help="create/refresh review tasks for low-agreement, flagged and QA-sampled tasks",
        description="Create (once) the review project and one review task per task that needs review: every "
        "annotator's answer side by side (name, answer, confidence, flags, comment), each also a prediction "
        "named after them; nothing pre-selected unless all agree. Idempotent.")
    add_project_arguments(push)
    push.add_argument("--qa-sample", type=types.fraction, default=0.05,
                      help="fraction in [0, 1] of agreed tasks also sent for spot checks (default 0.05)")
    push.add_argument("--seed", type=types.integer, default=0, help="seed of the QA sample (default 0)")
    push.set_defaults(func=cmd_review_push)

    pull = review_sub.add_parser(
        "pull", help="write reviewers' decisions back as ground truth and record task states",
        description="Collect submitted reviews: adjudicated labels become ground-truth annotations on the "
        "source tasks; 'no clear label' quarantines. Writes reviews.jsonl, states.jsonl, summary.json.")
    add_project_arguments(pull)
    pull.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")
    pull.set_defaults(func=cmd_review_pull)

    export = commands.add_parser(
        "export", help="the final dataset: final label, state, confidence and every interpretation per task",
        description="Write one JSON line per task; quarantined tasks go to <FILE stem>.quarantine.jsonl.")
    add_project_arguments(export)
    export.add_argument("--out", type=types.output_file, required=True, metavar="FILE", help="output JSONL file")
    export.add_argument("--split", metavar="NAME:FRACTION,...",
                        help="also write splits, e.g. train:0.8,val:0.1,test:0.1 (to <FILE stem>.<name>.jsonl)")
    export.add_argument("--stratify", action="store_true", help="keep every label's share in every split")
    export.add_argument("--seed", type=types.integer, default=0, help="seed of the split (default 0)")
    export.set_defaults(func=cmd_export)

    edge = commands.add_parser("edge-cases", help="the edge-case log as a static HTML page plus JSON",
                               description="Every review marked 'add to edge-case log', as DIR/index.html "
                               "and DIR/edge_cases.json.")
    add_project_arguments(edge)
    edge.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")
    edge.set_defaults(func=cmd_edge_cases)

    status = commands.add_parser("status", help="one screen: task states, annotators, open reviews, agreement",
                                 description="Where a multi-pass project stands.")
    add_project_arguments(status)
    status.set_defaults(func=cmd_status)
