"""Rating and Number: answers on a scale (Rating: 1..maxRating; Number: measured values, within min/max if given).

Similarity of two answers: 1 - |a - b| / range (Rating: maxRating - 1; Number: the values' range on the
scored tasks). Measures: Krippendorff's alpha ordinal, interval and ratio (ratio needs values >= 0) in
memory linear in the data; Rating also, on its scale where the counts matrix fits (`dense`): percent
agreement, Fleiss' kappa, Gwet's AC1 and AC2 (linear, quadratic), Brennan-Prediger, and Cohen's kappa
(unweighted, linear, quadratic) per annotator pair. Consensus and finals: the median (a Rating's final is a
point of its scale: between two, the one the most confident of the annotators who gave either gave).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from sdk_scripts.agreement import alpha as kernels
from sdk_scripts.agreement import chance_corrected as cc
from sdk_scripts.agreement.coded import Coded, Scored, gold_rows
from sdk_scripts.agreement.consensus import median
from sdk_scripts.agreement.finals import CONSENSUS, REPRESENTATIVE, Answers, Final, FinalOptions
from sdk_scripts.agreement.kinds.base import AgreementKind, Figures, Options
from sdk_scripts.agreement.kinds.dense import is_dense, scale_coefficients, too_many
from sdk_scripts.agreement.kinds.kappa_pairs import kappa_pairs
from sdk_scripts.agreement.measures import percent_agreement
from sdk_scripts.agreement.report import Consensus, Problem
from sdk_scripts.agreement.results import Where, number, values_of
from sdk_scripts.agreement.spec import ControlSpec


def number_attr(control: Any, key: str, problems: list[Problem], whole: bool = False) -> float | None:
    """A numeric attribute of a control tag, or None when absent; one that is not a (whole) number is a problem
    (and NaN)."""
    text = (control.attr or {}).get(key)
    if text is None:
        return None
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (whole and (value != int(value) or value < 1)):
        problems.append(Problem(f"label config: {control.name}: {key}={text!r} is not a "
                                f"{'whole number >= 1' if whole else 'number'}"
                                + ("; the control is not scored" if whole else "; ignored"), control=control.name))
        return math.nan
    return value


def measured_alphas(coded: Coded) -> dict[str, Callable[..., float | None]]:
    """Alpha levels of the values through the linear-memory kernels: name -> statistic(weights). Ratio alpha needs
    a natural zero: with a negative value it is not computed (and says so)."""
    unit, x = coded.unit, coded.x

    def ratio(w=None):
        if len(x) and x.min() < 0:
            raise kernels.NotComputed("ratio alpha needs values >= 0 (a natural zero), and some are negative")
        return kernels.ratio_alpha(unit, x, w)

    return {"alpha_ordinal": lambda w=None: kernels.ordinal_alpha(unit, x, w),
            "alpha_interval": lambda w=None: kernels.interval_alpha(unit, x, w),
            "alpha_ratio": ratio}


class ScaleKind(AgreementKind):
    """What Rating and Number share: one finite number per answer, compared by its distance over the range."""

    measures = ("alpha_ordinal", "alpha_interval", "alpha_ratio")

    def _in_range(self, value: float) -> bool:
        low, high = self.spec.low, self.spec.high
        return (low is None or value >= low) and (high is None or value <= high)

    def _range_text(self) -> str:
        low, high = self.spec.low, self.spec.high
        if low is not None and high is not None:
            return f"{low:g}..{high:g}"
        return f">= {low:g}" if low is not None else f"<= {high:g}"

    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> float | None:
        name, key = self.spec.name, self.value_key
        numbers = [number(value.get(key)) for value in values_of(regions, where, name, problems)]
        numbers = [n for n in numbers if n is not None]
        if regions and not numbers:
            problems.append(where.problem(f"no finite {key} value; ignored", name))
        if numbers and not self._in_range(numbers[0]):
            problems.append(where.problem(f"{key} {numbers[0]:g} is outside {self._range_text()} (the config's); "
                                          "left out of the scores", name))
            return None
        return numbers[0] if numbers else None

    def encode(self, coded: Coded) -> None:
        coded.x = np.asarray(coded.values, dtype=float)

    def span(self, coded: Coded, units: np.ndarray) -> float:
        """The values' range on the flagged units."""
        x = coded.x[units[coded.unit]]
        return float(x.max() - x.min()) if len(x) else 0.0

    @staticmethod
    def values_similarity(a: np.ndarray, b: np.ndarray, span: float) -> np.ndarray:
        return (1.0 - np.abs(a - b) / span) if span else (a == b).astype(float)

    def pair_similarity(self, coded: Coded, i: np.ndarray, j: np.ndarray, span: float,
                        box_threshold: float) -> np.ndarray:
        return self.values_similarity(coded.x[i], coded.x[j], span)

    def gold_similarity(self, coded: Coded, span: float, box_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
        if not coded.gold:
            return np.zeros(0, np.int64), np.zeros(0)
        rows = gold_rows(coded)
        gold = np.full(coded.n_units, np.nan)
        for u, value in coded.gold.items():
            gold[u] = float(value)
        return rows, self.values_similarity(coded.x[rows], gold[coded.unit[rows]], span)

    def consensus(self, coded: Coded) -> dict[Any, Consensus]:
        """The median, and the share of the ratings within one step of it."""
        rated = np.flatnonzero(coded.ratings_per_unit() > 0).tolist()
        middle, close = median(coded)
        middle, close = middle.tolist(), close.tolist()
        return {coded.task_ids[u]: Consensus(middle[u], close[u]) for u in rated}

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """The median (`whole`: see `final_value`)."""
        coded, out = answers.coded, {}
        middle = median(coded)[0].tolist()
        for unit in answers.rated_units():
            rows = answers.rows(unit)
            value, rule = self.final_value(answers, rows, middle[unit])
            row = answers.lead(r for r in rows if coded.x[r] == value)
            out[unit] = Final(answers.answer_as(answers.lead(rows) if row is None else row, self.value_key, value),
                              "median", rule)
        return out

    def final_value(self, answers: Answers, rows: range, middle: float) -> tuple[float | int, str]:
        """(the final's value, rule): the median, an int where every answer was one."""
        whole = all(float(answers.coded.values[r]).is_integer() for r in rows) and float(middle).is_integer()
        return (int(middle) if whole else middle), CONSENSUS


class Rating(ScaleKind):
    name = "rating"
    tags = "Rating"
    value_key = "rating"
    measures = ScaleKind.measures + ("percent_agreement", "fleiss_kappa", "gwet_ac1", "gwet_ac2_linear",
                                     "gwet_ac2_quadratic", "brennan_prediger")

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        return control.tag == "Rating"

    @classmethod
    def read_spec(cls, control: Any, problems: list[Problem]) -> ControlSpec | None:
        """maxRating (default 5) sets the scale 1..maxRating; one that is not a whole number rules the control out."""
        found = number_attr(control, "maxRating", problems, whole=True)
        if found is not None and math.isnan(found):
            return None
        top = int(found) if found is not None else 5
        return ControlSpec(control.name, control.tag, cls.name, tuple(control.labels or ()), cls.value_key, top, 1.0,
                           float(top))

    def encode(self, coded: Coded) -> None:
        super().encode(coded)
        scale = set(range(1, (self.spec.max_rating or 0) + 1))
        self.code_categories(coded, sorted(scale | {float(v) for v in coded.values}
                                           | {float(v) for v in coded.gold.values()}))

    def final_value(self, answers: Answers, rows: range, middle: float) -> tuple[float | int, str]:
        """A point of the scale: the median, or between two points the one the most confident annotator who gave
        either gave (REPRESENTATIVE)."""
        if float(middle).is_integer():
            return int(middle), CONSENSUS
        low, high = math.floor(middle), math.ceil(middle)
        lead = answers.lead(r for r in rows if answers.coded.x[r] in (low, high))
        return (int(answers.coded.x[lead]) if lead is not None else low), REPRESENTATIVE

    def span(self, coded: Coded, units: np.ndarray) -> float:
        """maxRating - 1 (at least 1)."""
        if self.spec.max_rating:
            return float(max(self.spec.max_rating - 1, 1))
        return super().span(coded, units)

    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        figures = Figures()
        figures.run(measured_alphas(coded), self.spec.name)
        if not is_dense(coded, options):
            figures.notes.append(too_many(coded, options))
            return figures
        counts = coded.counts()
        positions = [float(c) for c in coded.categories]
        scale = scale_coefficients(positions, weighted=True)
        figures.coefficients = {"alpha_ordinal": cc.alpha_coefficient(cc.ordinal_distance),
                                "alpha_interval": cc.alpha_coefficient(cc.interval_distance(positions)),
                                "alpha_ratio": cc.alpha_coefficient(cc.ratio_distance(positions)), **scale}
        figures.measures["percent_agreement"] = percent_agreement(counts)
        figures.measures.update(cc.evaluate(counts, scale))
        figures.pairs = kappa_pairs(coded, positions, True, options, figures.notes)
        return figures


class Number(ScaleKind):
    name = "number"
    tags = "Number"
    value_key = "number"

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        return control.tag == "Number"

    @classmethod
    def read_spec(cls, control: Any, problems: list[Problem]) -> ControlSpec | None:
        """min and max, where given, bound the values (one that is not a number is a problem and ignored)."""
        low, high = (number_attr(control, key, problems) for key in ("min", "max"))
        low, high = (None if v is None or math.isnan(v) else v for v in (low, high))
        return ControlSpec(control.name, control.tag, cls.name, tuple(control.labels or ()), cls.value_key, None, low,
                           high)

    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        figures = Figures()
        figures.run(measured_alphas(coded), self.spec.name)
        return figures
