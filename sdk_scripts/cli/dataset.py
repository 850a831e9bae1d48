"""`labelops dataset export / snapshot / diff / report / edge-cases`: the final dataset and what is known about
it; the older top-level names (`labelops export` ...) stay."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Handler, Shared
from sdk_scripts.errors import LabelopsError

if TYPE_CHECKING:
    from sdk_scripts.formats.base import Fetch
    from sdk_scripts.formats.export import ExportResult
    from sdk_scripts.labelstudio.client import LabelStudioClient


# The formats of `dataset export --format` (sdk_scripts/formats/registry.py; named here so --help imports none).
FORMATS = ("jsonl", "yolo", "coco", "voc", "conll2003", "hf", "csv")
CONSENSUS = ("dawid-skene", "majority")
LEFT_OUT_SHOWN = 20


def check_export_arguments(args: argparse.Namespace) -> str | None:
    """--out is a file for jsonl and a directory for every other format, whichever order they came in."""
    if args.format == "jsonl" and args.out.is_dir():
        return f"argument --out: {args.out} is a directory; give a file name (--format jsonl writes one file)"
    if args.format != "jsonl" and args.out.exists() and not args.out.is_dir():
        return f"argument --out: {args.out} exists and is not a directory (--format {args.format} writes one)"
    return None


def _media_fetch(client: LabelStudioClient, project_id: int) -> Fetch:
    """Task images through the client's media resolver (uploads, local files, cloud storage via Label Studio)."""
    return lambda ref, task: client.media().fetch(ref, task_id=task, project_id=project_id)


def _print_export(result: ExportResult) -> None:
    summary = result.summary
    for line in summary.notes:
        print(line)
    if result.format != "jsonl":
        splits = ", ".join(f"{name} {count}" for name, count in summary.splits.items())
        print(f"exported {summary.exported} tasks as {result.format} to {result.path} ({splits})")
    if summary.left_out:
        count = len(summary.left_out)
        print(f"{count} task{'s' if count != 1 else ''} left out (listed in {result.path / 'export.json'}):")
        for item in summary.left_out[:LEFT_OUT_SHOWN]:
            print(f"  task {item.task}: {item.reason}")
        if len(summary.left_out) > LEFT_OUT_SHOWN:
            print(f"  ... and {len(summary.left_out) - LEFT_OUT_SHOWN} more")


def cmd_export(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio, review_state
    from sdk_scripts.formats.base import ExportOptions
    from sdk_scripts.formats.export import dataset_of, export_dataset
    from sdk_scripts.formats.registry import writer_class
    from sdk_scripts.review.export import export_records

    ratios = None
    if args.split:
        try:
            ratios = types.split_ratios(args.split)
        except argparse.ArgumentTypeError as exc:
            raise LabelopsError(f"--split: {exc}") from None
    writer_class(args.format).check_options(ExportOptions(ratios, args.seed, args.stratify))
    client = label_studio(args)
    state = review_state(args, client, overlap=False)
    dataset = dataset_of(state, export_records(state, quorum=args.quorum, method=args.consensus))
    options = ExportOptions(ratios, args.seed, args.stratify, _media_fetch(client, state.source["id"]))
    _print_export(export_dataset(dataset, args.format, args.out, options))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import agreement_report
    from sdk_scripts.cli.context import label_studio, review_state
    from sdk_scripts.governance.snapshot import write_snapshot
    from sdk_scripts.review.export import export_records

    state = review_state(args, label_studio(args), overlap=False)
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
    from sdk_scripts.cli.context import label_studio, review_state
    from sdk_scripts.governance.report import write_report

    client = label_studio(args)
    path = write_report(review_state(args, client, overlap=False), args.out, args.minority, label_studio_url=client.url,
                        threshold=args.threshold, lf_matrix=args.lf_matrix)
    print(f"report written to {path}")
    return 0


def cmd_edge_cases(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio, review_state
    from sdk_scripts.review.edge_cases import write_edge_cases

    client = label_studio(args)
    entries = write_edge_cases(review_state(args, client, overlap=False), args.out, client.download,
                               label_studio_url=client.url)
    print(f"{len(entries)} edge cases in {args.out / 'index.html'} and {args.out / 'edge_cases.json'}")
    return 0


def _export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="jsonl",
                        help="jsonl (default): labelops' records; yolo, coco, voc, conll2003, csv: through "
                             "label-studio-sdk's converter; hf: a Hugging Face datasets DatasetDict")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE|DIR",
                        help="jsonl: the output JSONL file; other formats: the output directory (replaced whole "
                             "when it holds an earlier export)")
    parser.add_argument("--split", metavar="NAME:FRACTION,...",
                        help="also write splits, e.g. train:0.8,val:0.1,test:0.1 (jsonl: to <FILE stem>.<name>.jsonl; "
                             "yolo: train, val, test, default train:0.8,val:0.2; others: DIR/<name>/)")
    parser.add_argument("--stratify", action="store_true", help="keep every label's share in every split")
    parser.add_argument("--seed", type=types.integer, default=0, help="seed of the split (default 0)")
    parser.add_argument("--quorum", type=types.positive_int, metavar="N",
                        help="annotators who must agree on a box or span for it to enter the final (default: a "
                             "majority of the task's annotators)")
    parser.add_argument("--consensus", choices=CONSENSUS, default="dawid-skene",
                        help="how annotators' choices become the final: dawid-skene (default) or majority vote")
    parser.set_defaults(check_arguments=check_export_arguments)


def _snapshot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=types.output_dir, required=True, metavar="DIR",
                        help="directory holding snapshots")


def _diff(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", type=Path, metavar="SNAP_A")
    parser.add_argument("b", type=Path, metavar="SNAP_B")


def _report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=types.output_file, required=True, metavar="FILE", help="HTML file to write")
    parser.add_argument("--minority", type=types.fraction, default=0.05,
                        help="share below which a label is flagged as a minority (default 0.05)")
    parser.add_argument("--lf-matrix", type=Path, metavar="DIR",
                        help="a label matrix (`labelops lf apply`) to add the labeling functions' analysis")


def _edge_cases(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")


# name, handler, help, description, reads the review loop's state, its own arguments
COMMANDS: list[tuple[str, Handler, str, str, bool, Callable[[argparse.ArgumentParser], None]]] = [
    ("export", cmd_export, "the final dataset, as labelops' JSONL or in a training format (YOLO, COCO, HF...)",
     "Write the final dataset. jsonl (default): one JSON line per task with its final label, state, weight and "
     "every interpretation; quarantined tasks go to <FILE stem>.quarantine.jsonl. yolo, coco, voc, conll2003, csv: "
     "the formats of label-studio-sdk's converter, fed one annotation per task (its final); hf: a Hugging Face "
     "DatasetDict. Training formats leave quarantined tasks and tasks without a final label out; an image that "
     "cannot be fetched is listed and left out.", True, _export),
    ("snapshot", cmd_snapshot, "write a content-addressed, immutable snapshot of the final dataset",
     "Write OUT/<id>/data.jsonl and manifest.json; the id is a hash of the content, so an unchanged dataset is "
     "never written twice.", True, _snapshot),
    ("diff", cmd_diff, "tasks added/removed and labels changed between two snapshots",
     "Compare two snapshots of the same project and config.", False, _diff),
    ("report", cmd_report, "one self-contained HTML quality report with plots",
     "Progress, agreement (with plots), imbalance, bias flags, review states.", True, _report),
    ("edge-cases", cmd_edge_cases, "the edge-case log as a static HTML page plus JSON",
     "Every review marked 'add to edge-case log', as DIR/index.html and DIR/edge_cases.json.", True, _edge_cases),
]


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    dataset = shared.group(commands, "dataset", "the final dataset: export, snapshots, diffs, report, edge cases",
                           "The final dataset of a project and what is known about it: export (with splits), "
                           "immutable snapshots and their differences, the HTML quality report, the edge-case log.")
    for name, func, help_text, description, reads_state, arguments in COMMANDS:
        parents = [shared.review_state] if reads_state else []
        arguments(shared.command(dataset, name, func, help_text, description, parents))
        arguments(shared.command(commands, name, func, help_text, description, parents, alias_of=f"dataset {name}"))
