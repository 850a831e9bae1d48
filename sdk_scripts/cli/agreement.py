"""`labelops agreement`: argument parsing, input loading and printing; the maths is in `sdk_scripts.agreement`."""

from __future__ import annotations

import argparse
import functools
import gc
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared
from sdk_scripts.errors import LabelopsError


@dataclass
class Source:
    """Where the report's tasks come from: a pull's tasks.jsonl (read by `parallel.extract_pull`) or a live
    project's tasks (read page by page as the report consumes them)."""

    config: str
    origin: str
    names: dict = field(default_factory=dict)
    tasks: Iterable[dict] = ()
    tasks_path: Path | None = None


def load_tasks(args: argparse.Namespace) -> Source:
    """The labeling config and the tasks of a pull directory (checked: one clear error for a damaged
    project.json or config) or of a live project."""
    source = args.project
    if isinstance(source, Path):
        from sdk_scripts.pull import open_pull

        meta, config, tasks_path = open_pull(source)
        return Source(config, f"pull of project {meta['project']['id']} in {source}", tasks_path=tasks_path)
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.labelstudio.export_snapshots import project_tasks

    client = label_studio(args)
    project = client.project(args.project)
    tasks = project_tasks(client, project["id"])  # a task at a time from Label Studio's export, as the report reads
    return Source(project["label_config"], f"project {project['id']} on {client.url}", client.user_emails(), tasks)


def read_gold(path: Path) -> dict[int, list[dict]]:
    """Gold labels from a JSONL file of {"task": id, "result": [...]}: task id -> ground-truth annotations."""
    from sdk_scripts.input_files import decode_utf8, json_error, jsonl_lines, read_input_bytes, strict_json
    from sdk_scripts.task_files import LIMIT_ENV, task_file_limit

    gold: dict[int, list[dict]] = {}
    text = decode_utf8(read_input_bytes(path, task_file_limit(), what="gold file",
                                        limit_hint=f"; set {LIMIT_ENV} to raise it"), str(path))
    for number, line in jsonl_lines(text):
        try:
            row = strict_json(line)
        except ValueError as exc:
            raise LabelopsError(f"{path}:{number}: {json_error(exc)}") from None
        task_id = row.get("task") if isinstance(row, dict) else None
        result = row.get("result") if isinstance(row, dict) else None
        if isinstance(task_id, bool) or not isinstance(task_id, int) or not isinstance(result, list):
            raise LabelopsError(f'{path}:{number}: expected {{"task": id, "result": [...]}}')
        gold.setdefault(task_id, []).append(
            {"id": f"gold:{number}", "result": result, "ground_truth": True, "was_cancelled": False,
             "updated_at": "9999-12-31T23:59:59+00:00"})
    return gold


def with_gold(tasks: Iterable[dict], gold: dict[int, list[dict]]) -> Iterator[dict]:  # picklable with partial
    """The tasks, each with its gold labels added as ground-truth annotations (a task whose annotations are
    unreadable is left as it is: the extraction reports it)."""
    for task in tasks:
        extra = gold.get(task.get("id")) if isinstance(task, dict) else None
        if extra and isinstance(task.get("annotations", []), list):
            task.setdefault("annotations", []).extend(extra)
        yield task


LINE_PER_ITEM = ("tasks", "annotators", "weeks", "notes", "problems")


def dump_report(report: dict) -> str:
    """The report as JSON: indented, except that the long lists have one compact item per line (fast to write,
    and a task per line reads and greps well)."""
    parts = []
    encode = json.JSONEncoder(default=str).encode  # one encoder for every item (json.dumps builds one per call)
    for key, value in report.items():
        if key in LINE_PER_ITEM and isinstance(value, list) and value:
            items = "    " + ",\n    ".join(map(encode, value))
            parts.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            body = json.dumps(value, indent=2, default=str).replace("\n", "\n  ")
            parts.append(f"  {json.dumps(key)}: {body}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _extract_pull(specs: list, tasks_path: Path, problems: list[str], prepare: Callable | None):
    from sdk_scripts.agreement.parallel import extract_pull

    return extract_pull(specs, tasks_path, problems, prepare)


def _all_tasks(source: Source, prepare: Callable | None) -> list[dict]:
    """Every task of the source, whole (a pull's read from its tasks.jsonl: a damaged line is one error)."""
    tasks: Iterable[dict] = source.tasks
    if source.tasks_path is not None:
        from sdk_scripts.pull import stream_tasks

        tasks = stream_tasks(source.tasks_path)
    return list(prepare(tasks) if prepare else tasks)


def cmd_model_versions(args: argparse.Namespace) -> int:
    """`agreement --by model-version`: each model version's predictions against the final labels."""
    from sdk_scripts.quality.gold_eval import excluded_annotators
    from sdk_scripts.quality.model_render import render_model_versions
    from sdk_scripts.quality.model_versions import model_version_report

    source = load_tasks(args)
    prepare = functools.partial(with_gold, gold=read_gold(args.gold)) if args.gold else None
    tasks = _all_tasks(source, prepare)
    report = model_version_report(source.config, tasks, excluded=excluded_annotators(source.config, tasks),
                                  level=args.ci or 0.95, seed=args.seed, ci=args.ci, box_threshold=args.iou,
                                  semantic=not args.no_semantic)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, default=str))
    else:
        print(f"model versions of {source.origin}\n{render_model_versions(report)}")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from sdk_scripts.agreement.engine import build_report
    from sdk_scripts.agreement.render import render_report

    if args.by == "model-version":
        return cmd_model_versions(args)
    # Reading and scoring allocate millions of small acyclic objects; the cyclic collector's passes over
    # them cost more than the work itself (about half the time at 300,000 annotations).
    gc.disable()
    try:
        problems: list[str] = []  # a pull's damaged lines, found as it is read
        source = load_tasks(args)
        prepare = functools.partial(with_gold, gold=read_gold(args.gold)) if args.gold else None
        tasks = prepare(source.tasks) if prepare else source.tasks
        extractor = None if source.tasks_path is None else \
            functools.partial(_extract_pull, tasks_path=source.tasks_path, problems=problems, prepare=prepare)
        report = build_report(source.config, tasks, min_annotators=args.min_annotators, box_threshold=args.iou,
                              names=source.names, ci=args.ci, seed=args.seed, read_problems=problems,
                              semantic=not args.no_semantic, extractor=extractor)
        origin = source.origin
        del tasks, source
        text = dump_report(report.to_json()) if args.json else \
            f"agreement for {origin}\n{render_report(report, by=args.by)}"
    except MemoryError:
        raise LabelopsError("not enough memory for the agreement report of this project; run it where more memory "
                            "is free (nothing was written)") from None
    finally:
        gc.enable()
    print(text)
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    parser = shared.command(
        commands, "agreement", cmd_agreement,
        "inter-annotator agreement for every control: per task, annotator, label, week",
        "Score every control of the labeling config with the measure that fits it "
        "(Krippendorff's alpha at every level, Cohen's weighted and Fleiss' kappa, Gwet's AC1/AC2, "
        "Brennan-Prediger, box/span F1, edit distance). --json prints the full report "
        "(its JSON Schema: the docs' agreement page).",
        parents=[shared.json])
    parser.add_argument("project", metavar="PROJECT_OR_PULL_DIR", type=types.project_or_pull_dir,
                        help="project id or exact title, or a directory written by `labelops pull`")
    parser.add_argument("--by", choices=["task", "annotator", "label", "week", "model-version"], default="label",
                        help="which table to print (default: label); model-version: each model version's predictions "
                        "against the final labels, pre-label acceptance and lead time (with --json: that report)")
    parser.add_argument("--min-annotators", type=types.positive_int, default=2,
                        help="annotators a task needs to be scored (default 2)")
    parser.add_argument("--iou", type=types.iou, default=0.5,
                        help="IoU at which two boxes match, in (0, 1] (default 0.5)")
    parser.add_argument("--ci", type=types.float_between(0.0, 1.0, low_open=True), metavar="LEVEL",
                        help="add percentile bootstrap intervals (1000 resamples of tasks) at this level, e.g. 0.95, "
                        "to every alpha and kappa")
    parser.add_argument("--seed", type=types.integer, default=0,
                        help="random seed of the bootstrap (default 0; the same seed gives the same intervals)")
    parser.add_argument("--no-semantic", action="store_true",
                        help="leave out TextArea's semantic similarity (it loads the MiniLM sentence-embedding model "
                        "of the [backend] extra)")
    parser.add_argument("--gold", type=Path, metavar="FILE",
                        help='JSONL of {"task": id, "result": [...]} gold labels (besides ground-truth annotations)')
