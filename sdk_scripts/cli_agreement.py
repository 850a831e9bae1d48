"""`labelops agreement`: argument parsing, input loading and printing; the maths is in `sdk_scripts.agreement`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sdk_scripts.errors import LabelopsError


def load_tasks(args: argparse.Namespace) -> tuple[str, list[dict], dict, str]:
    """(label config, tasks, annotator names, where from) from a pull directory or a live project."""
    source = Path(args.project)
    if source.is_dir():
        from sdk_scripts.pull import read_pull

        if not (source / "project.json").is_file():
            raise LabelopsError(f"{source} is not a `labelops pull` directory (no project.json)")
        meta, config, tasks = read_pull(source)
        return config, tasks, {}, f"pull of project {meta['project']['id']} in {source}"
    from sdk_scripts.client import LabelStudioClient
    from sdk_scripts.settings import load_connection

    client = LabelStudioClient(load_connection(args.config))
    project = client.project(args.project)
    tasks = list(client.iter_tasks(project["id"]))
    return project["label_config"], tasks, client.user_emails(), f"project {project['id']} on {client.url}"


def add_gold(tasks: list[dict], path: Path) -> int:
    """Attach gold labels from a JSONL file of {"task": id, "result": [...]} as ground-truth annotations."""
    by_id = {t["id"]: t for t in tasks}
    added = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            task, result = by_id.get(row["task"]), row["result"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelopsError(f"{path}:{number}: expected {{\"task\": id, \"result\": [...]}}: {exc}") from None
        if task is None:
            continue
        task.setdefault("annotations", []).append(
            {"id": f"gold:{number}", "result": result, "ground_truth": True, "was_cancelled": False,
             "updated_at": "9999"})
        added += 1
    return added


def cmd_agreement(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import agreement_report
    from sdk_scripts.agreement.render import render_report

    config, tasks, names, origin = load_tasks(args)
    if args.gold:
        add_gold(tasks, args.gold)
    report = agreement_report(config, tasks, min_annotators=args.min_annotators, box_threshold=args.iou,
                              names=names)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(f"agreement for {origin}")
        print(render_report(report, by=args.by))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "agreement", help="inter-annotator agreement for every control: per task, annotator, label, week",
        description="Score every control of the labeling config with the measure that fits it "
        "(Krippendorff's alpha, Cohen's and Fleiss' kappa, box/span F1, edit distance).")
    parser.add_argument("project", metavar="PROJECT_OR_PULL_DIR",
                        help="project id or exact title, or a directory written by `labelops pull`")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON (schema in the README)")
    parser.add_argument("--by", choices=["task", "annotator", "label", "week"], default="label",
                        help="which table to print (default: label)")
    parser.add_argument("--min-annotators", type=int, default=2,
                        help="annotators a task needs to be scored (default 2)")
    parser.add_argument("--iou", type=float, default=0.5, help="IoU at which two boxes match (default 0.5)")
    parser.add_argument("--gold", type=Path, metavar="FILE",
                        help='JSONL of {"task": id, "result": [...]} gold labels (besides ground-truth annotations)')
    parser.set_defaults(func=cmd_agreement)
