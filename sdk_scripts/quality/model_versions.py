"""Model vs human per model version (pure): each version's stored predictions against the final labels, how often
annotators kept a pre-label unchanged, and whether pre-labels saved time.

- **Agreement**: on every task with a prediction of the version (its newest) and a final label, the prediction and
  the final are scored as two raters by the agreement engine (`agreement.engine.build_report`), so every control
  kind gets its own measures (percent agreement, alpha, kappa, F1 of boxes and spans...) and per-label figures;
  `agreement` is the mean over those tasks of the prediction's similarity to the final. Only the controls the
  version predicts are compared. The final is the task's ground truth where it has one (gold, a review's decision
  written back by `review pull`), else the consensus of its annotators (`review.final_labels.project_finals`,
  annotators the gold policy flags left out).
- **Acceptance**: of the annotations made from a prediction of the version (Label Studio's `parent_prediction`,
  which its editor sets when an annotator starts from a pre-label), the share whose labels are identical to that
  prediction's (`results.same_labels`: quality fields, region ids and order aside).
- **Lead time**: Label Studio's `lead_time` of the annotations made from the version's predictions against those
  made without a prediction (`parent_prediction` empty), with bootstrap intervals (`lead_time`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sdk_scripts.agreement.engine import build_report
from sdk_scripts.agreement.report import ControlReport
from sdk_scripts.labelstudio.annotations import annotator_of, count_annotations, id_order, newness
from sdk_scripts.quality.lead_time import LeadTime, Speedup, compare_lead_times, lead_time_figures, lead_times
from sdk_scripts.quality.results import same_labels
from sdk_scripts.review.final_labels import label_regions, project_finals

PREDICTION, FINAL = "prediction", "final"  # the two raters the engine compares


@dataclass(frozen=True)
class Acceptance:
    """Annotations made from a prediction of the version, and how many kept its labels unchanged."""

    made_from: int
    accepted: int

    @property
    def rate(self) -> float | None:
        return self.accepted / self.made_from if self.made_from else None

    def to_json(self) -> dict:
        return {"made_from_prediction": self.made_from, "accepted": self.accepted, "rate": self.rate}


@dataclass
class VersionFigures:
    """One model version: its predictions, how they compare with the finals, acceptance and lead time."""

    model_version: str
    predictions: int  # tasks with a prediction of the version
    compared: int  # of those, tasks with a final label the prediction was scored against
    agreement: float | None
    controls: list[ControlReport]
    acceptance: Acceptance
    lead_time: LeadTime
    against_no_prediction: Speedup

    def to_json(self) -> dict:
        return {"model_version": self.model_version, "predictions": self.predictions, "compared": self.compared,
                "agreement": self.agreement, "acceptance": self.acceptance.to_json(),
                "lead_time": self.lead_time.to_json(), "against_no_prediction": self.against_no_prediction.to_json(),
                "controls": [c.to_json() for c in self.controls]}


@dataclass
class ModelVersionReport:
    """Every model version with predictions in the project (by name), the lead time of annotations made without a
    prediction, the interval level, and notes."""

    versions: list[VersionFigures]
    without_prediction: LeadTime
    level: float
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"level": self.level, "without_prediction": self.without_prediction.to_json(),
                "versions": [v.to_json() for v in self.versions], "notes": list(self.notes)}


def final_results(label_config: str, tasks: list[dict], excluded: Iterable[Any] = ()) -> dict[Any, list[dict]]:
    """task id -> its final result: the newest ground truth, else the consensus (tasks with neither left out)."""
    excluded = set(excluded)
    versions = {}
    out = {}
    for task in tasks:
        counted = count_annotations(task.get("annotations") or [])
        if counted.ground_truth:
            out[task["id"]] = max(counted.ground_truth, key=newness).get("result") or []
        else:
            versions[task["id"]] = [a for a in counted.interpretations if annotator_of(a) not in excluded]
    for task_id, final in project_finals(label_config, versions).items():
        if final.result is not None:
            out[task_id] = final.result
    return out


def newest_predictions(tasks: Iterable[dict]) -> dict[str, dict[Any, dict]]:
    """model version -> task id -> the task's newest prediction of it."""
    out: dict[str, dict[Any, dict]] = defaultdict(dict)
    for task in tasks:
        for prediction in sorted(task.get("predictions") or [], key=id_order):
            if isinstance(prediction, dict):
                out[str(prediction.get("model_version") or "")][task["id"]] = prediction
    return out


def _agreement(label_config: str, predictions: Mapping[Any, dict], finals: Mapping[Any, list[dict]],
               options: dict) -> tuple[int, float | None, list[ControlReport]]:
    """(tasks compared, mean similarity, the engine's control reports) of one version's predictions vs the finals."""
    predicted = {r.get("from_name") for p in predictions.values() for r in p.get("result") or [] if isinstance(r, dict)}

    def only(result: list[dict]) -> list[dict]:
        return [r for control, regions in label_regions(result).items() if control in predicted for r in regions]

    pairs = [{"id": task, "annotations": [
        {"id": PREDICTION, "completed_by": PREDICTION, "result": only(p.get("result") or [])},
        {"id": FINAL, "completed_by": FINAL, "result": only(finals[task])}]}
        for task, p in predictions.items() if task in finals]
    if not pairs:
        return 0, None, []
    report = build_report(label_config, pairs, min_annotators=2, **options)
    return len(pairs), report.summary.mean_task_score, [c for c in report.controls if c.name in predicted]


def _made_from(tasks: Iterable[dict]) -> tuple[dict[str, list[tuple[dict, dict]]], list[dict], int]:
    """(model version -> (annotation, the prediction it was made from), annotations made without a prediction,
    annotations whose prediction is gone)."""
    made: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    without, gone = [], 0
    for task in tasks:
        by_id = {p.get("id"): p for p in task.get("predictions") or [] if isinstance(p, dict)}
        for annotation in count_annotations(task.get("annotations") or []).interpretations:
            parent = annotation.get("parent_prediction")
            if parent is None:
                without.append(annotation)
            elif parent in by_id:
                made[str(by_id[parent].get("model_version") or "")].append((annotation, by_id[parent]))
            else:
                gone += 1
    return made, without, gone


def model_version_report(label_config: str, tasks: Iterable[dict], *, excluded: Iterable[Any] = (),
                         level: float = 0.95, seed: int = 0, ci: float | None = None, box_threshold: float = 0.5,
                         semantic: bool = False) -> ModelVersionReport:
    """The report (see the module docstring); `ci` adds the engine's bootstrap intervals to its measures, `level`
    is the lead-time intervals' level."""
    tasks = [t for t in tasks if isinstance(t, dict) and "id" in t]
    finals = final_results(label_config, tasks, excluded)
    made, without, gone = _made_from(tasks)
    no_prediction = lead_times(without)
    options = {"box_threshold": box_threshold, "ci": ci, "seed": seed, "semantic": semantic}
    rows = []
    by_version = newest_predictions(tasks)
    for k, version in enumerate(sorted(set(by_version) | set(made))):
        predictions = by_version.get(version, {})
        compared, agreement, controls = _agreement(label_config, predictions, finals, options)
        pairs = made.get(version, [])
        accepted = sum(same_labels(a.get("result"), p.get("result")) for a, p in pairs)
        with_prediction = lead_times([a for a, _ in pairs])
        rows.append(VersionFigures(
            version, len(predictions), compared, agreement, controls, Acceptance(len(pairs), accepted),
            lead_time_figures(with_prediction, level, seed + k),
            compare_lead_times(with_prediction, no_prediction, level, seed + k)))
    notes = [f"{gone} annotations were made from predictions since deleted: left out"] if gone else []
    return ModelVersionReport(rows, lead_time_figures(no_prediction, level, seed), level, notes)
