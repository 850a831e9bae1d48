"""The agreement report as typed records, each with `to_json()` (the command's `--json`); pure, stdlib only.

`AgreementReport` holds a `Summary`, a `ControlReport` per scored control, a `TaskScore` per task, an
`AnnotatorScore` per annotator, a `WeekScore` per annotator and week, notes, and `Problem`s. Every field
says what it holds in its `doc`; `schema.json_schema()` derives the JSON Schema of the output from these
classes, and docs/agreement.md shows it. `to_json` is written out per class: the per-task records are made
hundreds of thousands of times on a large project.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from typing import Any, ClassVar

Id = int | str  # a Label Studio id as the task JSON holds it


def doc(text: str, default: Any = MISSING, *, optional: bool = False, keys: tuple[str, ...] = (),
        flatten: bool = False) -> Any:
    """A field with its description. `optional`: left out of the JSON when None; `keys`: the names a mapping's keys
    come from; `flatten`: a mapping whose entries stand in the enclosing object (the first key always)."""
    return field(default=default, metadata={"doc": text, "optional": optional, "keys": keys, "flatten": flatten})


def _optional(out: dict, key: str, value: Any) -> dict:
    if value is not None:
        out[key] = value
    return out


@dataclass(frozen=True)
class Problem:
    """Something in the input that could not be used (it is left out; the rest is scored), and where it is.
    Its JSON is its text, which names the task, annotation and annotator where there are some."""

    schema: ClassVar[dict] = {"type": "string"}

    text: str = doc("what is wrong and where, in words")
    task: Id | None = doc("the task's id", None)
    annotation: Id | None = doc("the annotation's id", None)
    annotator: Id | None = doc("the annotator's user id", None)
    control: str | None = doc("the control's name", None)

    def __str__(self) -> str:
        return self.text

    def to_json(self) -> str:
        return self.text


@dataclass(slots=True)
class Interval:
    """A percentile bootstrap interval (resamples of tasks, `--ci LEVEL`, `--seed`)."""

    low: float = doc("lower end")
    high: float = doc("upper end")
    level: float = doc("the confidence level asked for (--ci)")
    replicates: int = doc("resamples in which the measure was defined (of 1,000)")

    @classmethod
    def of(cls, found: dict | None) -> Interval | None:
        """From the bootstrap's {"low", "high", "level", "replicates"}, or None."""
        return None if found is None else cls(found["low"], found["high"], found["level"], found["replicates"])

    def to_json(self) -> dict:
        return {"low": self.low, "high": self.high, "level": self.level, "replicates": self.replicates}


def _intervals_json(intervals: dict[str, Interval | None] | None) -> dict | None:
    if intervals is None:
        return None
    return {name: (None if found is None else found.to_json()) for name, found in intervals.items()}


@dataclass(slots=True)
class LabelAlpha:
    """A label of a choice control: how often it was given, and agreement on it alone (present or absent)."""

    count: int = doc("pairable ratings that gave the label")
    alpha: float | None = doc("nominal alpha of the label present / absent (null: undefined)")

    @property
    def value(self) -> float | None:
        return self.alpha

    def to_json(self) -> dict:
        return {"count": self.count, "alpha": self.alpha}


@dataclass(slots=True)
class LabelF1:
    """A label of a box or span control: its regions, and agreement on that label's regions alone."""

    count: int = doc("regions with the label on scored tasks")
    f1: float | None = doc("mean over the tasks where anyone drew the label of its mean pairwise F1 (null: none)")

    @property
    def value(self) -> float | None:
        return self.f1

    def to_json(self) -> dict:
        return {"count": self.count, "f1": self.f1}


# The names of the measures a control reports (each kind's `measures` are some of them, in this order) and of the
# kappas of an annotator pair; `measures.MEASURE_NAMES` says each in words.
MEASURES = ("percent_agreement", "alpha_nominal", "alpha_ordinal", "alpha_interval", "alpha_ratio", "alpha_masi",
            "alpha_jaccard", "alpha_binary_mean", "alpha_matched_units", "fleiss_kappa", "gwet_ac1", "gwet_ac2_linear",
            "gwet_ac2_quadratic", "brennan_prediger", "mean_pairwise_f1", "mean_pairwise_f1_exact", "char_similarity",
            "word_similarity", "semantic_similarity")
KAPPAS = ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic")


@dataclass(slots=True)
class PairAgreement:
    """Cohen's kappa of two annotators on the tasks both rated (single choice; Rating also weighted)."""

    a: Id = doc("one annotator's user id")
    b: Id = doc("the other's")
    tasks: int = doc("tasks both rated")
    kappas: dict[str, float | None] = doc("Cohen's kappa (null: undefined); Rating: also linear and quadratic weights",
                                          keys=KAPPAS, flatten=True)
    intervals: dict[str, Interval | None] | None = doc("bootstrap interval of each kappa (with --ci)", None,
                                                       optional=True, keys=KAPPAS)

    def to_json(self) -> dict:
        out = {"a": self.a, "b": self.b, "tasks": self.tasks, **self.kappas}
        return _optional(out, "intervals", _intervals_json(self.intervals))


@dataclass(slots=True)
class ControlReport:
    """One scored control: its figures overall, per label and per annotator pair."""

    name: str = doc("the control's name in the config")
    tag: str = doc("its tag (Choices, Rating, RectangleLabels...)")
    kind: str = doc("how it is scored (`kinds`): single, multi, rating, number, boxes, spans, text or transcript")
    tasks_scored: int = doc("tasks with a score for this control")
    ratings: int = doc("ratings on those tasks")
    mean_task_score: float | None = doc("mean of the tasks' scores for this control (null: none scored)")
    measures: dict[str, float | None] = doc("agreement measures that apply to the kind (null: undefined or not "
                                            "computed, with a note)", keys=MEASURES)
    labels: dict[str, LabelAlpha | LabelF1] = doc("per label of the config (choices: alpha; boxes, spans: F1)")
    pairs: list[PairAgreement] = doc("Cohen's kappa per annotator pair (single choice, Rating)")
    alpha_without_annotator: dict[str, float | None] = doc("alpha of the control without each annotator (by user "
                                                           "id; choices only): who lowers agreement")
    intervals: dict[str, Interval | None] | None = doc("bootstrap interval of every alpha and kappa (with --ci)", None,
                                                       optional=True, keys=MEASURES)

    def to_json(self) -> dict:
        out = {"name": self.name, "tag": self.tag, "kind": self.kind, "tasks_scored": self.tasks_scored,
               "ratings": self.ratings, "mean_task_score": self.mean_task_score, "measures": self.measures,
               "labels": {label: figure.to_json() for label, figure in self.labels.items()},
               "pairs": [pair.to_json() for pair in self.pairs]}
        _optional(out, "intervals", _intervals_json(self.intervals))
        out["alpha_without_annotator"] = self.alpha_without_annotator
        return out


@dataclass(slots=True)
class Consensus:
    """One control's consensus label on one task (single and multiple choice, Rating, Number)."""

    majority: str | list[str] | float = doc("majority vote (multiple choice: labels chosen by more than half; "
                                            "Rating, Number: the median)")
    majority_confidence: float = doc("share of annotators behind it (multiple choice: mean share behind each label "
                                     "decision; Rating, Number: share within one step of the median)")
    dawid_skene: str | None = doc("Dawid-Skene's label (single choice)", None, optional=True)
    dawid_skene_confidence: float | None = doc("its posterior", None, optional=True)

    def to_json(self) -> dict:
        if self.dawid_skene is None:
            return {"majority": self.majority, "majority_confidence": self.majority_confidence}
        return {"majority": self.majority, "majority_confidence": self.majority_confidence,
                "dawid_skene": self.dawid_skene, "dawid_skene_confidence": self.dawid_skene_confidence}


@dataclass(slots=True)
class TaskScore:
    """One task: its agreement score, per control, consensus and what annotators flagged."""

    task: Id = doc("the task's id")
    score: float | None = doc("mean of its controls' scores (null: fewer than --min-annotators ratings)")
    annotators: int = doc("annotators who rated any of its controls")
    controls: dict[str, float | None] = doc("score per control: mean over annotator pairs of their similarity")
    consensus: dict[str, Consensus] = doc("consensus per control that has one")
    flags: list[str] = doc("flags annotators set on it (ambiguous, out of scope)")
    low_confidence: int = doc('annotations of it rated "might be"')

    def to_json(self) -> dict:
        return {"task": self.task, "score": self.score, "annotators": self.annotators, "controls": self.controls,
                "consensus": {name: found.to_json() for name, found in self.consensus.items()},
                "flags": self.flags, "low_confidence": self.low_confidence}


@dataclass(slots=True)
class AnnotatorScore:
    """One annotator across every control."""

    annotator: Id = doc("the annotator's user id")
    name: str | None = doc("their email, where known")
    tasks: int = doc("tasks they rated")
    agreement: float | None = doc("leave-one-out: mean similarity of their answers to the others' on the same tasks")
    gold_tasks: int = doc("their ratings on tasks with a gold answer")
    gold_accuracy: float | None = doc("mean similarity of those ratings to the gold")
    flagged: int = doc("annotations they flagged")
    low_confidence: int = doc('annotations they rated "might be"')

    def to_json(self) -> dict:
        return {"annotator": self.annotator, "name": self.name, "tasks": self.tasks, "agreement": self.agreement,
                "gold_tasks": self.gold_tasks, "gold_accuracy": self.gold_accuracy, "flagged": self.flagged,
                "low_confidence": self.low_confidence}


@dataclass(slots=True)
class WeekScore:
    """One annotator's agreement with the others in one ISO week (so drift shows)."""

    annotator: Id = doc("the annotator's user id")
    name: str | None = doc("their email, where known")
    week: str = doc("ISO week of the annotations, e.g. 2026-W47 (unknown: no created_at)")
    ratings: int = doc("their ratings that week with others to compare with")
    agreement: float = doc("mean similarity of those ratings to the others'")

    def to_json(self) -> dict:
        return {"annotator": self.annotator, "name": self.name, "week": self.week, "ratings": self.ratings,
                "agreement": self.agreement}


@dataclass(slots=True)
class Summary:
    """The counts of the input and the overall score."""

    tasks: int = doc("tasks read")
    annotations: int = doc("annotation objects read")
    cancelled: int = doc("cancelled (skipped) annotations, left out")
    ground_truth: int = doc("ground-truth annotations (the gold), left out of agreement")
    duplicates: int = doc("older annotations of an annotator on a task, left out (the newest counts)")
    annotators: int = doc("annotators with a rating")
    tasks_scored: int = doc("tasks with a score")
    mean_task_score: float | None = doc("mean of the tasks' scores")
    flagged: dict[str, int] = doc("annotations per flag (ambiguous, out of scope)")
    low_confidence: int = doc('annotations rated "might be"')
    min_annotators: int = doc("ratings a task needs to be scored (--min-annotators)")

    def to_json(self) -> dict:
        return {"tasks": self.tasks, "annotations": self.annotations, "cancelled": self.cancelled,
                "ground_truth": self.ground_truth, "duplicates": self.duplicates, "annotators": self.annotators,
                "tasks_scored": self.tasks_scored, "mean_task_score": self.mean_task_score, "flagged": self.flagged,
                "low_confidence": self.low_confidence, "min_annotators": self.min_annotators}


@dataclass(slots=True)
class AgreementReport:
    """Inter-annotator agreement of a project: `labelops agreement --json`."""

    summary: Summary = doc("counts and the overall score")
    controls: list[ControlReport] = doc("one per scored control, in the config's order")
    tasks: list[TaskScore] = doc("one per task read, in the input's order")
    annotators: list[AnnotatorScore] = doc("one per annotator")
    weeks: list[WeekScore] = doc("one per annotator and week")
    notes: list[str] = doc("what was left out and why (controls not scored, measures not computed)")
    problems: list[Problem] = doc("input that could not be used, with its task, annotation and annotator")

    def to_json(self) -> dict:
        return {"summary": self.summary.to_json(), "controls": [c.to_json() for c in self.controls],
                "tasks": [t.to_json() for t in self.tasks], "annotators": [a.to_json() for a in self.annotators],
                "weeks": [w.to_json() for w in self.weeks], "notes": list(self.notes),
                "problems": [p.to_json() for p in self.problems]}
