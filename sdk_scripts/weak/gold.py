"""The labels the functions are measured against: each task's ground truth, else its annotators' consensus (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sdk_scripts.labelstudio.annotations import choices, count_annotations
from sdk_scripts.quality.gold_eval import excluded_annotators
from sdk_scripts.quality.model_versions import final_results


@dataclass
class TaskLabels:
    """task id -> its label for the control; how many come from ground truth and how many from the consensus."""

    labels: dict[int, str] = field(default_factory=dict)
    ground_truth: int = 0
    consensus: int = 0

    def describe(self) -> str:
        return (f"{len(self.labels)} labelled tasks ({self.ground_truth} ground truth, {self.consensus} annotators' "
                "consensus)")


def choice_of(result: Iterable[dict], control: str) -> str | None:
    """The first choice a result gives `control`, or None."""
    found = choices(result or [], control)
    return found[0] if found else None


def task_labels(label_config: str, tasks: list[dict], control: str) -> TaskLabels:
    """Every task's label for `control`: its newest ground truth, else the consensus of its annotators (Dawid-Skene
    over the project, `review.final_labels`), annotators the gold policy flags left out (as the export does)."""
    finals = final_results(label_config, tasks, excluded_annotators(label_config, tasks))
    truths = {t["id"] for t in tasks if count_annotations(t.get("annotations") or []).ground_truth}
    out = TaskLabels()
    for task_id, result in finals.items():
        label = choice_of(result, control)
        if label is None:
            continue
        out.labels[int(task_id)] = label
        if task_id in truths:
            out.ground_truth += 1
        else:
            out.consensus += 1
    return out
