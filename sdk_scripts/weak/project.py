"""Weak supervision against a Label Studio project: functions applied into a matrix on disk, analysed, predicted.

`apply_to_project` streams the project's tasks through the functions (`apply`) into the label matrix in a
directory (default `labelops-lf/project-<id>`); `analyze_project` and `predict_project` read that matrix back,
refusing one made from other functions (another hash), another project or another control, and take the labels
to measure against from the project's tasks (`gold`). Everything Label Studio goes through the client.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.weak.analysis import LFAnalysis, analyze_matrix
from sdk_scripts.weak.apply import BATCH, Raised, apply_functions
from sdk_scripts.weak.control import Target, read_target
from sdk_scripts.weak.gold import TaskLabels, task_labels
from sdk_scripts.weak.label_model import AUTO, LabelModelResult, fit_label_model
from sdk_scripts.weak.loading import FunctionSet, load_functions
from sdk_scripts.weak.matrix import LabelMatrix, load_matrix, save_matrix
from sdk_scripts.weak.predictions import PredictionPlan, plan_predictions

IMPORT_BATCH = 500  # predictions per import request


def default_matrix_dir(project_id: int) -> Path:
    return Path("labelops-lf") / f"project-{project_id}"


@dataclass
class Applied:
    """`lf apply`'s outcome: the matrix, where it was written, and the functions that raised (with task ids)."""

    matrix: LabelMatrix
    directory: Path
    raised: dict[str, Raised] = field(default_factory=dict)
    processes: int = 1


def _processes(requested: int | None, tasks: int | None) -> int:
    if requested is not None:
        return requested
    batches = math.ceil(tasks / BATCH) if tasks is not None else os.cpu_count() or 1
    return max(1, min(os.cpu_count() or 1, batches))


def apply_to_project(client: LabelStudioClient, project_ref: str | int, lfs: Path, out: Path | None = None, *,
                     processes: int | None = None, progress: bool = False) -> Applied:
    """Run the functions of `lfs` over every task of the project into a label matrix written to `out`."""
    functions = load_functions(lfs)  # a file that does not load fails before any request
    project = client.project(project_ref)
    target = read_target(project["label_config"], functions.control)
    total = project.get("task_number") if isinstance(project.get("task_number"), int) else None
    workers = _processes(processes, total)
    from tqdm import tqdm

    with tqdm(total=total, unit="task", desc="labeling functions", file=sys.stderr, disable=not progress) as bar:
        found = apply_functions(functions, target.labels, client.iter_tasks(project["id"],
                                                                            with_annotations=functions.whole_task),
                                processes=workers, progress=bar.update)
    matrix = LabelMatrix(found.task_ids, functions.names, found.codes, list(target.labels), target.name,
                         functions.hash, project["id"], {name: r.count for name, r in found.raised.items()},
                         datetime.now(UTC).isoformat(timespec="seconds"))
    directory = out or default_matrix_dir(project["id"])
    save_matrix(matrix, directory)
    return Applied(matrix, directory, found.raised, workers)


@dataclass
class Loaded:
    """A project with its functions' matrix read back: project, target control, matrix, tasks, labels, notes."""

    project: dict
    functions: FunctionSet
    target: Target
    matrix: LabelMatrix
    directory: Path
    tasks: list[dict]
    labels: TaskLabels
    notes: list[str] = field(default_factory=list)


def _check(matrix: LabelMatrix, functions: FunctionSet, project: dict, directory: Path) -> None:
    rerun = f"run `labelops lf apply {project['id']} --lfs {functions.path}"
    rerun += f" --out {directory}`" if directory != default_matrix_dir(project["id"]) else "`"
    if matrix.project is not None and matrix.project != project["id"]:
        raise LabelopsError(f"the label matrix in {directory} is project {matrix.project}'s, not project "
                            f"{project['id']}'s: {rerun}")
    if matrix.functions_hash != functions.hash or matrix.functions != functions.names:
        raise LabelopsError(f"the label matrix in {directory} was made by other labeling functions "
                            f"({matrix.model_version}; {functions.path} is now lf-{functions.hash}): {rerun} again")


def load_project(client: LabelStudioClient, project_ref: str | int, lfs: Path, matrix_dir: Path | None = None,
                 ) -> Loaded:
    """The project, its functions and their matrix (checked to belong together), its tasks and their labels."""
    functions = load_functions(lfs)
    project = client.project(project_ref)
    target = read_target(project["label_config"], functions.control)
    directory = matrix_dir or default_matrix_dir(project["id"])
    matrix = load_matrix(directory)
    _check(matrix, functions, project, directory)
    tasks = list(client.iter_tasks(project["id"]))
    labels = task_labels(project["label_config"], tasks, target.name)
    in_matrix, in_project = {int(t) for t in matrix.task_ids}, {int(t["id"]) for t in tasks}
    notes = []
    if in_project - in_matrix:
        notes.append(f"{len(in_project - in_matrix)} tasks of the project are not in the matrix (imported after "
                     "`lf apply`): rerun it to include them")
    if in_matrix - in_project:
        notes.append(f"{len(in_matrix - in_project)} tasks of the matrix are no longer in the project")
    return Loaded(project, functions, target, matrix, directory, tasks, labels, notes)


def analyze_project(client: LabelStudioClient, project_ref: str | int, lfs: Path,
                    matrix_dir: Path | None = None) -> tuple[Loaded, LFAnalysis]:
    loaded = load_project(client, project_ref, lfs, matrix_dir)
    analysis = analyze_matrix(loaded.matrix, loaded.labels.labels)
    analysis.notes = loaded.notes + analysis.notes
    return loaded, analysis


@dataclass
class Predicted:
    """`lf predict`'s outcome: the model version, the fitted label model, what was written, whether the project's
    model_version was set to it."""

    model_version: str
    model: LabelModelResult
    plan: PredictionPlan
    project_version_set: bool
    notes: list[str] = field(default_factory=list)


def _write(client: LabelStudioClient, project_id: int, plan: PredictionPlan, model_version: str, stored: int,
           report: Callable[[str], None] | None) -> None:
    if plan.delete and len(plan.delete) == stored:
        client.delete_model_version(project_id, model_version, expected=stored)  # every one of them: one request
    else:
        for prediction_id in plan.delete:
            client.delete_prediction(prediction_id)
    for start in range(0, len(plan.create), IMPORT_BATCH):
        client.import_predictions(project_id, plan.create[start:start + IMPORT_BATCH])
        if report is not None:
            report(f"stored {min(start + IMPORT_BATCH, len(plan.create))} of {len(plan.create)} predictions")


def predict_project(client: LabelStudioClient, project_ref: str | int, lfs: Path, matrix_dir: Path | None = None,
                    *, method: str = AUTO, set_project_version: bool = True,
                    report: Callable[[str], None] | None = None) -> Predicted:
    """Fit the label model to the matrix and store its output as predictions of `lf-<hash>` (see `predictions`);
    with `set_project_version`, the project's model_version becomes it, so Uncertainty sampling uses them."""
    loaded = load_project(client, project_ref, lfs, matrix_dir)
    model = fit_label_model(loaded.matrix, method, gold=loaded.labels.labels)
    version = loaded.matrix.model_version
    existing = {int(t["id"]): [p for p in t.get("predictions") or [] if isinstance(p, dict)
                               and p.get("model_version") == version] for t in loaded.tasks}
    plan = plan_predictions(model, loaded.target, version, existing)
    _write(client, loaded.project["id"], plan, version, sum(len(p) for p in existing.values()), report)
    covered = plan.unchanged + len(plan.create)
    set_version = set_project_version and covered > 0 and loaded.project.get("model_version") != version
    if set_version:
        client.update_project(loaded.project["id"], model_version=version)
    return Predicted(version, model, plan, set_version or loaded.project.get("model_version") == version,
                     loaded.notes + model.notes)
