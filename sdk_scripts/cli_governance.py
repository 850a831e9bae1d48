"""The data-governance commands of `labelops`: snapshot, diff, report (parsing and printing only)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sdk_scripts.cli_review import add_project_arguments, client_from_args, project_state_from_args


def _state(args: argparse.Namespace):
    return project_state_from_args(args, client_from_args(args))


def cmd_snapshot(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import agreement_report
    from sdk_scripts.governance.snapshot import write_snapshot
    from sdk_scripts.review.export import export_records

    state = _state(args)
    summary = agreement_report(state.source["label_config"], state.tasks, names=state.emails)["summary"]
    result = write_snapshot(state, export_records(state), summary, args.out)
    verb = "wrote" if result.created else "identical snapshot already there:"
    counts = result.manifest["counts"]
    print(f"{verb} snapshot {result.snapshot_id} at {result.path} ({counts['tasks']} tasks)")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from sdk_scripts.governance.snapshot import diff_snapshots

    diff = diff_snapshots(args.a, args.b)
    print(f"{diff['from']} -> {diff['to']}: {len(diff['added'])} tasks added, {len(diff['removed'])} removed, "
          f"{len(diff['changed'])} labels changed")
    if diff["added"]:
        print("added:   " + ", ".join(map(str, diff["added"])))
    if diff["removed"]:
        print("removed: " + ", ".join(map(str, diff["removed"])))
    for change in diff["changed"]:
        print(f"task {change['task']}: {change['before']} ({change['state_before']}) -> {change['after']} "
              f"({change['state_after']}), changed by {change['changed_by']}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sdk_scripts.governance.report import write_report

    client = client_from_args(args)
    path = write_report(project_state_from_args(args, client), args.out, args.minority, label_studio_url=client.url,
                        threshold=args.threshold)
    print(f"report written to {path}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    from sdk_scripts import arg_types as types

    snap = commands.add_parser("snapshot", help="write a content-addressed, immutable snapshot of the final dataset",
                               description="Write OUT/<id>/data.jsonl and manifest.json; the id is a hash of the "
                               "content, so an unchanged dataset is never written twice.")
    add_project_arguments(snap)
    snap.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="directory holding snapshots")
    snap.set_defaults(func=cmd_snapshot)

    diff = commands.add_parser("diff", help="tasks added/removed and labels changed between two snapshots",
                               description="Compare two snapshots of the same project and config.")
    diff.add_argument("a", type=Path, metavar="SNAP_A")
    diff.add_argument("b", type=Path, metavar="SNAP_B")
    diff.set_defaults(func=cmd_diff)

    report = commands.add_parser("report", help="one self-contained HTML quality report with plots",
                                 description="Progress, agreement (with plots), imbalance, bias flags, review states.")
    add_project_arguments(report)
    report.add_argument("--out", type=types.output_file, required=True, metavar="FILE", help="HTML file to write")
    report.add_argument("--minority", type=types.fraction, default=0.05,
                        help="share below which a label is flagged as a minority (default 0.05)")
    report.set_defaults(func=cmd_report)

