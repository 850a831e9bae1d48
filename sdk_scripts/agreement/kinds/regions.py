"""Boxes (RectangleLabels, PolygonLabels) and spans (Labels on Text / HyperText, HyperTextLabels): drawn regions.

Two annotators' regions are paired by optimal assignment on IoU (boxes: at --iou; spans: any shared
character), same label required (`geometry`); similarity of two answers is the F1 of the matches. A task
every annotator left empty holds nothing to compare and is left out of every figure (`empty_units`).
Measures: mean pairwise F1 (the task score), Krippendorff's alpha over matched regions (`regions`), spans
also the F1 of exactly equal spans; F1 per label. Finals: the regions clustered across annotators as alpha's
matched units are (`regions.match_units`, label-blind, at --iou for boxes), the clusters a quorum of the task's
annotators drew (`FinalOptions.needed`), each fused into one region (`fusion`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sdk_scripts.agreement.coded import Coded, Scored, by_task, gold_rows
from sdk_scripts.agreement.finals import CONSENSUS, REPRESENTATIVE, Answers, Final, FinalOptions
from sdk_scripts.agreement.fusion import Fused, Member, fuse_box, fuse_span
from sdk_scripts.agreement.geometry import box_f1, pair_f1, span_f1
from sdk_scripts.agreement.kinds.base import AgreementKind, Figures, Options
from sdk_scripts.agreement.measures import mean_of_defined, mean_pairwise
from sdk_scripts.agreement.regions import label_f1, match_units, matched_units_alpha
from sdk_scripts.agreement.report import Problem
from sdk_scripts.agreement.results import Where, box, labels_of, plain_boxes, span, values_of
from sdk_scripts.agreement.spec import ControlSpec

SPAN_OBJECTS = {"Text", "HyperText"}


class RegionKind(AgreementKind):
    """What boxes and spans share: regions as flat arrays, F1 of matched regions, empty answers left out."""

    unit = "region"
    measures = ("mean_pairwise_f1", "alpha_matched_units")

    def threshold(self, box_threshold: float) -> float:
        """The overlap at which two regions match."""
        raise NotImplementedError(self.name)

    def empty_units(self, coded: Coded) -> np.ndarray:
        """Units where every annotator left the control empty (no region drawn). Such a unit holds nothing to
        compare (F1 of two empty answers is 0/0) and is left out of every figure of the control: task score, mean
        pairwise F1 (matched and exact), F1 per label, per-annotator and weekly agreement, the pairwise matrix, and
        gold accuracy where the gold is empty too. (An empty label set of a multiple choice is an answer, "no label
        applies", compared like any other set in every figure, as the coefficients count it.)"""
        empty = np.array([not v for v in coded.values], bool)
        filled = np.bincount(coded.unit, ~empty, minlength=coded.n_units)
        return filled == 0

    def pair_similarity(self, coded: Coded, i: np.ndarray, j: np.ndarray, span: float,
                        box_threshold: float) -> np.ndarray:
        return pair_f1(*coded.regions(), i, j, self.threshold(box_threshold))

    def gold_rows(self, coded: Coded) -> np.ndarray:
        """Nothing drawn by anyone, gold included: nothing to compare (`empty_units`)."""
        rows = gold_rows(coded)
        empty_gold = np.array([not coded.gold.get(u, ()) for u in range(coded.n_units)], bool)
        return rows[~(self.empty_units(coded) & empty_gold)[coded.unit[rows]]]

    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        figures = Figures()
        threshold = self.threshold(options.box_threshold)
        figures.measures["mean_pairwise_f1"] = scored.mean_task_score()
        figures.measures["alpha_matched_units"] = matched_units_alpha(coded, scored.scored, threshold)
        self.more_measures(coded, scored, figures)
        figures.labels = label_f1(coded, scored.scored, scored.pair_i, scored.pair_j, self.spec.labels, threshold)
        return figures

    def more_measures(self, coded: Coded, scored: Scored, figures: Figures) -> None:
        """Measures of this kind beside the shared ones."""

    def parse_parts(self, regions: list[dict], where: Where, problems: list[Problem]) -> tuple[Any, list[dict]]:
        """The regions parsed one by one: each parsed region's source region beside it."""
        parsed, sources = [], []
        for region in regions:
            found = self.parse([region], where, problems)
            parsed += found
            sources += [region] * len(found)
        return tuple(parsed), sources

    def fuse(self, members: list[Member]) -> Fused:
        """One region of a cluster of matched regions."""
        raise NotImplementedError(self.name)

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """The fused clusters of every task, those a quorum drew (see the module docstring); a label tie decided by
        the most confident annotator makes the final REPRESENTATIVE."""
        coded = answers.coded
        offsets, labels, coords = coded.regions()
        rating = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        matched = match_units(coded, coded.ratings_per_unit() > 0, self.threshold(options.iou))
        needed = options.needed(answers.annotators)
        fused: dict[int, list[Fused]] = {unit: [] for unit in answers.rated_units()}
        order = np.argsort(matched.cluster, kind="stable")
        bounds = np.searchsorted(matched.cluster[order], np.arange(matched.n_clusters + 1))
        for cluster, unit in enumerate(matched.unit.tolist()):
            regions = matched.region[order[bounds[cluster]:bounds[cluster + 1]]].tolist()
            if len(regions) < needed[unit]:
                continue
            members = [Member(answers.sources[rating[r]][r - offsets[rating[r]]], str(labels[r]),
                              tuple(coords[r].tolist()), float(answers.weight[rating[r]]), int(rating[r]))
                       for r in regions]
            fused[unit].append(self.fuse(members))
        return {unit: Final([f.region for f in found], "fused",
                            REPRESENTATIVE if any(f.tied for f in found) else CONSENSUS)
                for unit, found in fused.items()}


class Boxes(RegionKind):
    name = "boxes"
    tags = "RectangleLabels, PolygonLabels"

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        return control.tag in ("RectangleLabels", "PolygonLabels")

    @classmethod
    def read_spec(cls, control: Any, problems: list[Problem]) -> ControlSpec | None:
        """The labels are under the tag's name in lower case (rectanglelabels, polygonlabels)."""
        return ControlSpec(control.name, control.tag, cls.name, tuple(control.labels or ()), control.tag.lower())

    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> tuple:
        """(label, x, y, width, height) per labelled region (a polygon: its bounding box)."""
        name, key, allowed = self.spec.name, self.spec.value_key, self.allowed
        fast = plain_boxes(regions, key, allowed)
        if fast is not None:
            return fast
        boxes: list[tuple] = []
        for value in values_of(regions, where, name, problems):
            labels = labels_of(value, key, allowed, where, name, problems)
            if not labels:
                continue
            found, why = box(value)
            if found is None:
                problems.append(where.problem(f"{why}; left out of the scores", name))
                continue
            boxes += [(label, *found) for label in labels]
        return tuple(boxes)

    def threshold(self, box_threshold: float) -> float:
        return box_threshold

    def fuse(self, members: list[Member]) -> Fused:
        return fuse_box(members, self.spec.value_key)

    def similarity(self, span: float, box_threshold: float) -> Callable[[Any, Any], float]:
        return lambda a, b: box_f1(a, b, box_threshold)


class Spans(RegionKind):
    name = "spans"
    tags = "Labels on Text / HyperText, HyperTextLabels"
    measures = RegionKind.measures + ("mean_pairwise_f1_exact",)

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        if control.tag == "HyperTextLabels":
            return True
        if control.tag != "Labels":
            return False
        objects = [interface.get_object(name) for name in control.to_name or []]
        return bool(objects) and all(o is not None and o.tag in SPAN_OBJECTS for o in objects)

    @classmethod
    def read_spec(cls, control: Any, problems: list[Problem]) -> ControlSpec | None:
        """The labels are under "labels" (Labels) or "hypertextlabels" (HyperTextLabels)."""
        key = "hypertextlabels" if control.tag == "HyperTextLabels" else "labels"
        return ControlSpec(control.name, control.tag, cls.name, tuple(control.labels or ()), key)

    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> tuple:
        """(label, start, end) per labelled span (HyperText: its globalOffsets)."""
        name, key, allowed = self.spec.name, self.spec.value_key, self.allowed
        spans: list[tuple] = []
        for value in values_of(regions, where, name, problems):
            position, why = span(value)
            if position is None:
                problems.append(where.problem(f"{why}; left out of the scores", name))
                continue
            spans += [(label, *position) for label in labels_of(value, key, allowed, where, name, problems)]
        return tuple(spans)

    def threshold(self, box_threshold: float) -> float:
        return 1e-9

    def fuse(self, members: list[Member]) -> Fused:
        return fuse_span(members, self.spec.value_key)

    def similarity(self, span: float, box_threshold: float) -> Callable[[Any, Any], float]:
        return span_f1

    def more_measures(self, coded: Coded, scored: Scored, figures: Figures) -> None:
        """The F1 of exactly equal spans (same label, start and end)."""
        exact = [mean_pairwise(list(values.values()), lambda a, b: span_f1(a, b, exact=True))
                 for values in by_task(coded, scored.scored).values()]
        figures.measures["mean_pairwise_f1_exact"] = mean_of_defined(exact)
