"""The final label of a task, control by control, and its confidence (pure).

`project_finals` computes every task's final over all the project's tasks at once (Dawid-Skene learns each
annotator's confusions across tasks); `consensus_result` does it for one task's versions. Each control's
final comes from its agreement kind (`agreement.finals`, `agreement.kinds`):

- single choice: Dawid-Skene (crowd-kit) over the project's tasks, or with method "majority" the label
  most annotators gave (Dawid-Skene falls back to it below two annotators or two labels);
- multiple choice: per label, Dawid-Skene on present / absent, or with "majority" the labels a quorum chose;
- Rating, Number: the median (a Rating's: a point of its scale);
- boxes, polygons: the regions clustered across annotators by IoU (>= `iou`, 0.5 as `agreement --iou`),
  the clusters a quorum drew, coordinates averaged weighted by self-rated confidence, the label voted;
- spans: the same with overlapping spans, boundaries by median;
- TextArea: the medoid by edit similarity; on Audio (a transcript) with three or more annotators, ROVER's
  word-by-word vote (`agreement.kinds.transcripts`);
- controls no kind takes (per-region ones, tags the agreement report does not score): the value a strict
  majority gave identically, else the most confident annotator's.

The quorum (`quorum`) is the number of the task's annotators a region or a multiple-choice label needs (at
most all of them); None: more than half. Ties go to the annotator who rated themselves most confident
(unrated counts as definitely; the earliest on ties).

`final_source` of a task (the weakest rule over its controls; `export` decides the first and last):
- "adjudicated": a reviewer's decision (the review's result; confidence 1.0);
- "majority": every control's final is the answer a strict majority of the task's annotators gave exactly;
- "consensus": at least one control's final was computed (Dawid-Skene, a per-label vote, a median, fused
  regions, a medoid, ROVER) and is not a strict majority's exact answer;
- "representative": at least one control was a tie, or a control no kind takes had no strict majority,
  and took the most confident annotator's answer;
- null: no final (a task without annotations, or quarantined).

Confidence = agreement (1.0 when not measurable) x the mean of the annotators' own ratings (definitely 1.0,
probably 0.7, might be 0.4; 1.0 when nobody rated).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sdk_scripts.agreement.finals import (
    CONSENSUS,
    IOU,
    MAJORITY,
    REPRESENTATIVE,
    Final,
    FinalOptions,
    Version,
    control_finals,
)
from sdk_scripts.agreement.kinds.registry import kind_of
from sdk_scripts.labelstudio.annotations import annotator_of
from sdk_scripts.labelstudio.quality_fields import NOT_LABELS
from sdk_scripts.review.annotations import rated_confidence
from sdk_scripts.review.final_controls import final_controls, regions_by_control


@dataclass(frozen=True)
class TaskFinal:
    """A task's final: the result regions (None: no versions), `final_source` (see the module docstring) and how
    each control's final was made (control -> "dawid-skene", "majority", "fused", "median", "medoid", ...)."""

    result: list[dict] | None
    source: str | None
    methods: dict[str, str] = field(default_factory=dict)


def _value_key(regions: Iterable[dict]) -> str:
    return json.dumps(sorted(json.dumps(r.get("value"), sort_keys=True) for r in regions))


def label_regions(result: Iterable[dict]) -> dict[str, list[dict]]:
    """Result regions grouped by control, quality fields left out."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for region in result:
        name = region.get("from_name")
        if name and name not in NOT_LABELS:
            grouped[name].append(region)
    return dict(grouped)


def label_names(result: Iterable[dict]) -> list[str]:
    """Every label name in a result's label regions (choices, labels, rectanglelabels, ...)."""
    names = []
    for regions in label_regions(result).values():
        for region in regions:
            for key, item in (region.get("value") or {}).items():
                if key in ("choices", "labels") or key.endswith("labels"):
                    names += item
    return names


def _version(task: Any, annotation: dict) -> Version:
    who = annotator_of(annotation)
    return Version(task, annotation, who if who is not None else ("annotation", annotation.get("id")),
                   rated_confidence(annotation) or 1.0, label_regions(annotation.get("result") or []))


def _without_kind(versions: list[Version], control: str) -> Final:
    """A control no kind takes: a strict majority's identical answer, else the most confident annotator's."""
    answers = [v.regions.get(control, []) for v in versions]
    key, count = Counter(_value_key(a) for a in answers).most_common(1)[0]
    if count * 2 > len(versions):
        return Final(next(a for a in answers if _value_key(a) == key), "identical", MAJORITY)
    lead = max(range(len(versions)), key=lambda i: (versions[i].weight, -i))
    return Final(versions[lead].regions.get(control, []), "most confident", REPRESENTATIVE)


def _task_final(versions: list[Version], finals: Mapping[str, Final]) -> TaskFinal:
    """The task's result and source from its controls' finals (controls in name order)."""
    controls = sorted({c for v in versions for c in v.regions} | set(finals))
    chosen = {c: finals.get(c) or _without_kind(versions, c) for c in controls}
    rules = {f.rule for f in chosen.values()}
    source = next((rule for rule in (REPRESENTATIVE, CONSENSUS) if rule in rules), MAJORITY)
    return TaskFinal([r for c in controls for r in chosen[c].regions], source,
                     {c: f.method for c, f in chosen.items()})


def project_finals(label_config: str | None, versions: Mapping[Any, list[dict]], *, quorum: int | None = None,
                   method: str = "dawid-skene", iou: float = IOU) -> dict[Any, TaskFinal]:
    """task id -> its final, from every task's versions (`versions`: task id -> its annotators' annotations, as
    `annotations.interpretations` gives them), computed over all of them (see the module docstring). The
    controls are the config's (`final_controls`; None: read off the results)."""
    options = FinalOptions(quorum, method, iou)
    read = {task: [_version(task, a) for a in given] for task, given in versions.items()}
    specs = final_controls(label_config, regions_by_control(v.regions for vs in read.values() for v in vs))
    per_control = {spec.name: control_finals(kind_of(spec), read, options) for spec in specs}
    out = {}
    for task, task_versions in read.items():
        if not task_versions:
            out[task] = TaskFinal(None, None)
            continue
        out[task] = _task_final(task_versions, {name: found[task] for name, found in per_control.items()
                                                if task in found})
    return out


def consensus_result(versions: list[dict], *, quorum: int | None = None, method: str = "dawid-skene",
                     label_config: str | None = None) -> tuple[list[dict] | None, str | None]:
    """(final result, `final_source`) of one task's versions; (None, None) when there are none. Dawid-Skene sees
    this task alone here: `project_finals` gives it the project."""
    found = project_finals(label_config, {0: versions}, quorum=quorum, method=method)[0]
    return found.result, found.source


def task_confidence(versions: list[dict], agreement: float | None) -> tuple[float, float | None]:
    """(confidence, mean annotator rating) as defined in the module docstring."""
    ratings = [r for r in (rated_confidence(v) for v in versions) if r is not None]
    rating = sum(ratings) / len(ratings) if ratings else None
    return (1.0 if agreement is None else agreement) * (1.0 if rating is None else rating), rating


def summarize(result: Iterable[dict]) -> str:
    """A short human-readable line for a result: `emotion: anger, sadness; label: 2 regions`."""
    parts = []
    for control, regions in label_regions(result).items():
        values = []
        for region in regions:
            value = region.get("value") or {}
            for key in ("choices", "labels", "rectanglelabels", "polygonlabels", "text", "rating", "number"):
                if key in value:
                    item = value[key]
                    values += item if isinstance(item, list) else [item]
                    break
        parts.append(f"{control}: {', '.join(map(str, values)) or '-'}")
    return "; ".join(parts) or "(empty)"
