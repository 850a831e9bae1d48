"""`labelops pull PROJECT --out DIR`: a project's tasks, annotations and predictions as local files.

Layout of DIR (format 1), written atomically (temp file + rename) so an interrupted pull never
leaves a truncated file behind and a re-run simply replaces the previous pull:

    project.json       {"format": 1, "label_studio_url", "pulled_at", "project": {id, title,
                        maximum_annotations, overlap_cohort_percentage, ...}, "counts": {tasks,
                        annotations, predictions}}
    label_config.xml   the project's labeling config
    tasks.jsonl        one task per line, in Label Studio's task JSON: id, data, annotations
                       (result, completed_by, was_cancelled, ground_truth, lead_time, created_at,
                       updated_at, ...), predictions (result, score, model_version), ...
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from sdk_scripts.client import LabelStudioClient
from sdk_scripts.fileio import write_text_atomically

PULL_FORMAT = 1
_PROJECT_FIELDS = (
    "id", "title", "description", "maximum_annotations", "overlap_cohort_percentage", "sampling",
    "model_version", "created_at", "task_number", "total_annotations_number", "total_predictions_number",
)


@dataclass
class PullReport:
    out_dir: Path
    tasks: int
    annotations: int
    predictions: int


def pull_project(client: LabelStudioClient, project_ref: str | int, out_dir: Path, *, page_size: int = 100,
                 progress: bool | None = None) -> PullReport:
    project = client.project(project_ref)
    out_dir.mkdir(parents=True, exist_ok=True)
    show = sys.stderr.isatty() if progress is None else progress
    counts = {"tasks": 0, "annotations": 0, "predictions": 0}
    tmp = out_dir / ".tasks.jsonl.tmp"
    try:
        with tmp.open("w", encoding="utf-8") as fh, tqdm(
            total=project.get("task_number"), unit="task", desc=f"pull {project['title']}", disable=not show
        ) as bar:
            for task in client.iter_tasks(project["id"], page_size=page_size):
                fh.write(json.dumps(task, ensure_ascii=False) + "\n")
                counts["tasks"] += 1
                counts["annotations"] += len(task.get("annotations") or [])
                counts["predictions"] += len(task.get("predictions") or [])
                bar.update(1)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a cut-off pull leaves the previous one, and nothing else, behind
        raise
    os.replace(tmp, out_dir / "tasks.jsonl")
    write_text_atomically(out_dir / "label_config.xml", project["label_config"])
    meta = {
        "format": PULL_FORMAT,
        "label_studio_url": client.url,
        "pulled_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "project": {k: project.get(k) for k in _PROJECT_FIELDS},
        "counts": counts,
    }
    write_text_atomically(out_dir / "project.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return PullReport(out_dir, counts["tasks"], counts["annotations"], counts["predictions"])


def read_pull(out_dir: Path) -> tuple[dict, str, list[dict]]:
    """Load a pull directory: (project.json, label config, tasks)."""
    meta = json.loads((out_dir / "project.json").read_text(encoding="utf-8"))
    config = (out_dir / "label_config.xml").read_text(encoding="utf-8")
    with (out_dir / "tasks.jsonl").open(encoding="utf-8") as fh:
        tasks = [json.loads(line) for line in fh if line.strip()]
    return meta, config, tasks
