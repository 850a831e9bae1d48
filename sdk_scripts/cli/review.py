"""`labelops review push / pull`: disagreements to a review project, adjudications back as ground truth."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared


def _tiers_of(spec, spec_path: Path, source_title: str) -> tuple:
    """The review tiers of a project spec (checked against its config); the spec must describe this project."""
    from sdk_scripts.errors import LabelopsError

    if spec.title != source_title:
        raise LabelopsError(f"{spec_path} describes project {spec.title!r}, not {source_title!r}")
    return spec.tiers


def _overlap_lines(overlap) -> list[str]:
    """What adaptive overlap did and cost, in words."""
    if overlap is None:
        return []
    limit = f" (up to {overlap.max_annotators} annotators)" if overlap.max_annotators else ""
    lines = [f"adaptive overlap{limit}: {len(overlap.raised)} extra annotation(s) requested now"
             + (f" (tasks {', '.join(map(str, overlap.raised))})" if overlap.raised else "")
             + f"; {len(overlap.waiting)} task(s) wait for an extra annotator"]
    lines.append(f"  so far: {overlap.extra_requested} extra annotation(s) requested, {overlap.extra_received} given; "
                 f"{len(overlap.reviews_saved)} review(s) saved (agreed after extra annotators), "
                 f"{len(overlap.reviewed_anyway)} still below the threshold at the maximum (sent to review)")
    return lines


def cmd_review_push(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import per_task_scores
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.project_spec import load_spec
    from sdk_scripts.review.push import push_reviews

    spec = load_spec(args.spec) if args.spec else None  # a bad spec fails before any request
    client = label_studio(args)
    tiers = _tiers_of(spec, args.spec, client.project(args.project)["title"]) if spec else ()

    def waiting(lock: Path) -> None:
        print(f"waiting for another review run on this project to finish (lock {lock}) ...", file=sys.stderr)

    report = push_reviews(client, args.project, per_task_scores, threshold=args.threshold,
                          qa_fraction=args.qa_sample, seed=args.seed, review_title=args.review_project,
                          on_wait=waiting, max_annotators=args.max_annotators, tiers=tiers)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    for message in report.messages:
        print(f"note: {message}")
    if report.duplicates_removed:
        print(f"note: removed {len(report.duplicates_removed)} duplicate review task(s) made by runs that overlapped")
    for line in _overlap_lines(report.overlap):
        print(line)
    if report.withdrawn:
        print(f"withdrawn: review tasks {', '.join(map(str, report.withdrawn))} (their task waits for an extra "
              "annotator)")
    if report.moved:
        print(f"moved: review tasks {', '.join(map(str, report.moved))} were replaced in the tier the rules now pick")
    for tier in report.tiers:
        project = tier.project
        named = f" (tier {tier.name}: {tier.rule})" if tier.rule else ""
        need = len(report.picks) if len(report.tiers) == 1 else len(tier.picks)
        print(f"review project {project['id']} {project['title']!r}{named}: {need} tasks need review; "
              f"{len(tier.created)} created, {len(tier.refreshed)} refreshed, {len(tier.unchanged)} unchanged")
        print(f"  {client.url}/projects/{project['id']}/data")
    if report.orphaned:
        print(f"orphaned: review tasks {', '.join(map(str, report.orphaned))} point at deleted source tasks")
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
    if report.audit is not None:
        print(report.audit.describe())
        if report.audit.stopped:
            print("  the next `labelops autolabel` refuses until it is rerun with --reset-audit (docs: Auto-labels)")
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
        "named after them; nothing pre-selected unless all agree (a transcript by three or more annotators starts "
        "from their word-by-word vote). With --max-annotators, a task below the "
        "threshold first gets one more annotator at a time (Label Studio serves it again); with --spec, the "
        "spec's review tiers route each task to its own review project. Idempotent.",
        parents=[shared.review_state, shared.json])
    push.add_argument("--qa-sample", type=types.fraction, default=0.05,
                      help="fraction in [0, 1] of agreed tasks also sent for spot checks (default 0.05)")
    push.add_argument("--seed", type=types.integer, default=0, help="seed of the QA sample (default 0)")
    push.add_argument("--max-annotators", type=types.positive_int, metavar="N",
                      help="adaptive overlap: raise the overlap of a task below the threshold by one while it has "
                           "fewer than N annotators; only tasks still below at N go to review")
    push.add_argument("--spec", type=Path, metavar="FILE",
                      help="project spec whose `tiers:` route each task to the first matching review tier")

    pull = shared.command(
        review, "pull", cmd_review_pull, "write reviewers' decisions back as ground truth and record task states",
        "Collect submitted reviews: adjudicated labels become ground-truth annotations on the "
        "source tasks; 'no clear label' quarantines. Writes reviews.jsonl, states.jsonl, summary.json.",
        parents=[shared.review_state])
    pull.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")
