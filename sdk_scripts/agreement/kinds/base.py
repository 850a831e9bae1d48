"""The interface every agreement kind answers (`AgreementKind`), the options it is scored with, and its `Figures`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sdk_scripts.agreement.alpha import NotComputed
from sdk_scripts.agreement.chance_corrected import Coefficient
from sdk_scripts.agreement.coded import Coded, Scored, columns, gold_rows
from sdk_scripts.agreement.finals import REPRESENTATIVE, Answers, Final, FinalOptions
from sdk_scripts.agreement.report import Consensus, LabelAlpha, LabelF1, PairAgreement, Problem
from sdk_scripts.agreement.results import Where
from sdk_scripts.agreement.spec import ControlSpec

if TYPE_CHECKING:
    from sdk_scripts.agreement.extract import Ratings

Statistic = Callable[..., float | None]  # statistic(unit_weights=None): a measure recomputed per bootstrap replicate


@dataclass(frozen=True)
class Options:
    """How a report is scored (the command's options) and the budget that keeps a counts matrix in memory."""

    box_threshold: float  # IoU at which two boxes match (--iou)
    ci: float | None  # bootstrap interval level (--ci), None: no intervals
    seed: int
    replicates: int
    semantic: bool  # TextArea's semantic similarity (it loads a sentence-embedding model)
    dense_cells: int  # tasks x categories of a dense counts matrix (the kappa family and its bootstrap)


@dataclass
class Figures:
    """What a kind computes for one control: measures, per-label and per-pair figures, notes on what was not
    computed, and what the bootstrap resamples: `coefficients` (on a category scale, vectorised) and
    `statistics` (recomputed per replicate)."""

    measures: dict[str, float | None] = field(default_factory=dict)
    labels: dict[str, LabelAlpha | LabelF1] = field(default_factory=dict)
    pairs: list[PairAgreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    coefficients: dict[str, Coefficient] = field(default_factory=dict)
    statistics: dict[str, Statistic] = field(default_factory=dict)

    def run(self, statistics: dict[str, Statistic], control: str) -> None:
        """Point estimates of `statistics` (kept for the bootstrap); one that would not fit its budget is None with
        a note."""
        self.statistics = statistics
        for name, statistic in statistics.items():
            try:
                self.measures[name] = statistic()
            except NotComputed as exc:
                self.measures[name] = None
                self.notes.append(f"{control}: {name} not computed: {exc}")


class AgreementKind(ABC):
    """How one kind of control is scored: which tags it takes, how its results parse into values, how values are
    coded and compared, and which measures, per-label figures and consensus it reports. One instance per control
    (its `spec`); `registry.REGISTRY` lists the kinds."""

    name: ClassVar[str] = ""  # the report's "kind"
    tags: ClassVar[str] = ""  # the tags it scores, in words (docs)
    unit: ClassVar[str] = "task"  # the unit of agreement (docs)
    value_key: ClassVar[str] = ""  # where a result's value holds the answer
    measures: ClassVar[tuple[str, ...]] = ()  # what it may report under "measures" (`report.MEASURES`)

    def __init__(self, spec: ControlSpec) -> None:
        self.spec = spec
        self.allowed = frozenset(spec.labels)  # the config's labels (empty: any label)

    # -- the labeling config

    @classmethod
    @abstractmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        """Whether this kind scores that control tag (a label-studio-sdk ControlTag of `interface`)."""

    @classmethod
    def read_spec(cls, control: Any, problems: list[Problem]) -> ControlSpec | None:
        """The control as this kind scores it, or None (with a problem) when an attribute rules it out."""
        return ControlSpec(control.name, control.tag, cls.name, tuple(control.labels or ()), cls.value_key)

    # -- values

    @abstractmethod
    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> Any:
        """The control's value in one annotation's regions of it, or None when the annotator gave none; what cannot
        be read is a problem and left out."""

    def parse_parts(self, regions: list[dict], where: Where, problems: list[Problem]) -> tuple[Any, list[dict]]:
        """(`parse` of the regions, the source region of each item of the value where the value is a tuple of
        regions, else []): what the finals build their regions on."""
        return self.parse(regions, where, problems), []

    def code(self, table: Ratings) -> Coded:
        """The table's ratings as integer columns, the values coded for this kind (`encode`)."""
        coded = columns(table, self)
        self.encode(coded)
        return coded

    def encode(self, coded: Coded) -> None:  # noqa: B027 -- optional: kinds compared value by value code nothing
        """Add what the values code to (categories, measured values, label sets) to the columns."""

    @staticmethod
    def code_categories(coded: Coded, categories: list) -> None:
        """Code each value as its index in `categories`."""
        index = {c: i for i, c in enumerate(categories)}
        coded.categories = categories
        coded.code = np.array([index[v] for v in coded.values], dtype=np.int64)

    # -- similarity of two answers, in [0, 1]

    def span(self, coded: Coded, units: np.ndarray) -> float:
        """The scale range a difference is divided by (measured kinds)."""
        return 0.0

    def similarity(self, span: float, box_threshold: float) -> Callable[[Any, Any], float]:
        """The similarity of two values (the per-value form, for kinds compared one pair at a time)."""
        raise NotImplementedError(self.name)

    def pair_similarity(self, coded: Coded, i: np.ndarray, j: np.ndarray, span: float,
                        box_threshold: float) -> np.ndarray:
        """Similarity of rating i with rating j for every given pair."""
        similarity, values = self.similarity(span, box_threshold), coded.values
        return np.array([similarity(values[a], values[b]) for a, b in zip(i.tolist(), j.tolist(), strict=True)], float)

    def gold_similarity(self, coded: Coded, span: float, box_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
        """(ratings on units with a gold value, their similarity to it)."""
        if not coded.gold:
            return np.zeros(0, np.int64), np.zeros(0)
        rows = self.gold_rows(coded)
        similarity, values, gold, unit = self.similarity(span, box_threshold), coded.values, coded.gold, coded.unit
        return rows, np.array([similarity(values[r], gold[int(unit[r])]) for r in rows.tolist()], float)

    def gold_rows(self, coded: Coded) -> np.ndarray:
        """The ratings compared with the gold."""
        return gold_rows(coded)

    def empty_units(self, coded: Coded) -> np.ndarray:
        """Units whose answers hold nothing to compare (left out of every figure of the control)."""
        return np.zeros(coded.n_units, bool)

    # -- figures

    @abstractmethod
    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        """The control's measures, per-label and per-pair figures (in the report's order)."""

    def consensus(self, coded: Coded) -> dict[Any, Consensus]:
        """task id -> consensus label (kinds without one: none)."""
        return {}

    def alpha_without(self, coded: Coded) -> dict:
        """annotator -> alpha of the control without them (kinds without one: none)."""
        return {}

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """unit -> the control's final on it (`finals`); kinds without a consensus: the most confident annotator's
        answer."""
        return {unit: Final(answers.regions[answers.lead(answers.rows(unit))], "most confident", REPRESENTATIVE)
                for unit in answers.rated_units()}
