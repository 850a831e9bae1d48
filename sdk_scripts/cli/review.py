"""`labelops review push / pull`: disagreements to a review project, adjudications back as ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared


def cmd_review_push(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import per_task_scores
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.review.push import push_reviews

    client = label_studio(args)

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
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.review.collect import collect_reviews, write_collect_output

    report = collect_reviews(label_studio(args), args.project, per_task_scores, threshold=args.threshold,
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


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    review = shared.group(commands, "review", "send disagreements to reviewers and collect their decisions",
                          "The multi-pass review loop.")
    push = shared.command(
        review, "push", cmd_review_push,
        "create/refresh review tasks for low-agreement, flagged and QA-sampled tasks",
        "Create (once) the review project and one review task per task that needs review: every "
        "annotator's answer side by side (name, answer, confidence, flags, comment), each also a prediction "
        "named after them; nothing pre-selected unless all agree. Idempotent.", parents=[shared.review_state])
    push.add_argument("--qa-sample", type=types.fraction, default=0.05,
                      help="fraction in [0, 1] of agreed tasks also sent for spot checks (default 0.05)")
    push.add_argument("--seed", type=types.integer, default=0, help="seed of the QA sample (default 0)")

    pull = shared.command(
        review, "pull", cmd_review_pull, "write reviewers' decisions back as ground truth and record task states",
        "Collect submitted reviews: adjudicated labels become ground-truth annotations on the "
        "source tasks; 'no clear label' quarantines. Writes reviews.jsonl, states.jsonl, summary.json.",
        parents=[shared.review_state])
    pull.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")
