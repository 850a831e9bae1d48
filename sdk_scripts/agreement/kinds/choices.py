"""Choices: single choice (one label) and multiple choice (a set of labels; an empty set is an answer).

Similarity of two answers: equal or not (single); Jaccard similarity of the sets (multiple). Measures:
percent agreement; Krippendorff's alpha nominal (single) or with MASI and Jaccard distance over the sets
(Passonneau 2006); Fleiss' kappa, Gwet's AC1, Brennan-Prediger and Cohen's kappa per annotator pair on the
labels (single, where the counts matrix fits: `dense`); per label, alpha of present / absent. Consensus:
majority vote and Dawid-Skene (single), per-label majority (multiple). Finals (`finals`): Dawid-Skene over the
project's tasks, or the majority vote (single; a tie goes to the most confident annotator's label); per label,
Dawid-Skene on present / absent or the quorum's vote (multiple).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sdk_scripts.agreement import alpha as kernels
from sdk_scripts.agreement import chance_corrected as cc
from sdk_scripts.agreement.coded import Coded, Scored, gold_rows, label_presence
from sdk_scripts.agreement.consensus import dawid_skene, label_majority, majority, posteriors
from sdk_scripts.agreement.finals import CONSENSUS, REPRESENTATIVE, Answers, Final, FinalOptions
from sdk_scripts.agreement.kinds.base import AgreementKind, Figures, Options
from sdk_scripts.agreement.kinds.dense import is_dense, scale_coefficients, too_many
from sdk_scripts.agreement.kinds.kappa_pairs import kappa_pairs
from sdk_scripts.agreement.measures import binary_alphas, percent_agreement_of_codes
from sdk_scripts.agreement.report import Consensus, LabelAlpha, Problem
from sdk_scripts.agreement.results import Where, labels_of, values_of


def label_alphas(coded: Coded, given: np.ndarray | tuple, n: int, names: list, columns: list[int]) -> dict:
    """label -> `LabelAlpha`: pairable ratings giving it, and present/absent nominal alpha. `given` is each
    rating's label column (single choice) or (ratings, columns) of every label given (multiple choice), of n."""
    rating, column = (np.arange(len(coded.unit)), np.asarray(given)) if not isinstance(given, tuple) else given
    n = max(n, 1)
    unit = np.concatenate([coded.unit, coded.unit[rating]])
    label = np.concatenate([np.full(len(coded.unit), -1), column])
    values, given_count = binary_alphas(unit, label, n)
    return {name: LabelAlpha(int(given_count[k]), float(values[k]) if np.isfinite(values[k]) else None)
            for name, k in zip(names, columns, strict=True)}


class ChoiceKind(AgreementKind):
    """What both choice kinds share: reading the chosen labels, comparing codes, alpha without each annotator."""

    value_key = "choices"

    def chosen(self, regions: list[dict], where: Where, problems: list[Problem]) -> list[str]:
        """Every known label chosen in the regions, in order (unknown ones are problems)."""
        name, key, allowed = self.spec.name, self.value_key, self.allowed
        values = values_of(regions, where, name, problems)
        return [label for value in values for label in labels_of(value, key, allowed, where, name, problems)]

    def codes_similarity(self, coded: Coded, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Similarity of the answers coded `a` and `b`, pairwise."""
        raise NotImplementedError(self.name)

    def pair_similarity(self, coded: Coded, i: np.ndarray, j: np.ndarray, span: float,
                        box_threshold: float) -> np.ndarray:
        return self.codes_similarity(coded, coded.code[i], coded.code[j])

    def gold_similarity(self, coded: Coded, span: float, box_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
        if not coded.gold:
            return np.zeros(0, np.int64), np.zeros(0)
        rows = gold_rows(coded)
        index = {c: k for k, c in enumerate(coded.categories)}
        codes = np.full(coded.n_units, -1, np.int64)
        for u, value in coded.gold.items():
            codes[u] = index[value]
        return rows, self.codes_similarity(coded, coded.code[rows], codes[coded.unit[rows]])

    def alpha_of(self, coded: Coded) -> Callable[[np.ndarray, np.ndarray], float | None]:
        """alpha(unit, code) of this kind's ratings."""
        raise NotImplementedError(self.name)

    def alpha_without(self, coded: Coded) -> dict:
        alpha = self.alpha_of(coded)
        result: dict[Any, float | None] = {}
        for r, annotator in enumerate(coded.rater_ids):
            keep = coded.rater != r
            try:
                result[annotator] = alpha(coded.unit[keep], coded.code[keep])
            except kernels.TooLarge:
                result[annotator] = None
        return result


class SingleChoice(ChoiceKind):
    name = "single"
    tags = "Choices (single)"
    measures = ("percent_agreement", "alpha_nominal", "fleiss_kappa", "gwet_ac1", "brennan_prediger")

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        return control.tag == "Choices" and (control.attr or {}).get("choice") != "multiple"

    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> str | None:
        if len(regions) == 1:  # the common case, without the general machinery
            value = regions[0].get("value")
            found = value.get("choices") if isinstance(value, dict) else None
            if isinstance(found, list) and len(found) == 1 and isinstance(found[0], str) \
                    and (not self.allowed or found[0] in self.allowed):
                return found[0]
        chosen = self.chosen(regions, where, problems)
        if len(chosen) > 1:
            problems.append(where.problem(f"{len(chosen)} choices in a single-choice control; ignored", self.spec.name))
            return None
        return chosen[0] if chosen else None

    def encode(self, coded: Coded) -> None:
        labels = self.spec.labels
        seen = set(coded.values) | set(coded.gold.values())
        self.code_categories(coded, list(labels) + sorted(seen - set(labels), key=str))

    def codes_similarity(self, coded: Coded, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a == b).astype(float)

    def alpha_of(self, coded: Coded) -> Callable[[np.ndarray, np.ndarray], float | None]:
        return kernels.nominal_alpha_of_codes

    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        figures = Figures()
        unit, code, q = coded.unit, coded.code, len(coded.categories)
        figures.measures["percent_agreement"] = percent_agreement_of_codes(unit, code)
        figures.measures["alpha_nominal"] = kernels.nominal_alpha_of_codes(unit, code)
        if is_dense(coded, options):
            scale = scale_coefficients(list(range(q)), weighted=False)
            figures.coefficients = {"alpha_nominal": cc.alpha_coefficient(1 - np.eye(q)), **scale}
            figures.measures.update(cc.evaluate(coded.counts(), scale))
            figures.pairs = kappa_pairs(coded, [], False, options, figures.notes)
        else:
            figures.notes.append(too_many(coded, options))
            figures.statistics = {"alpha_nominal": lambda w=None: kernels.nominal_alpha_of_codes(unit, code, w)}
        wanted = [k for k, label in enumerate(coded.categories) if not self.spec.labels or label in self.spec.labels]
        figures.labels = label_alphas(coded, code, q, [coded.categories[k] for k in wanted], wanted)
        return figures

    def consensus(self, coded: Coded) -> dict[Any, Consensus]:
        """Majority vote (a tie goes to the label given first) and, where it runs, Dawid-Skene."""
        rated = np.flatnonzero(coded.ratings_per_unit() > 0).tolist()
        tasks, names = coded.task_ids, coded.categories
        winner, share = majority(coded)
        found = zip(rated, winner.tolist(), share.tolist(), strict=True)
        ds = dawid_skene(coded)
        if ds is None:
            return {tasks[u]: Consensus(names[w], s) for u, w, s in found}
        chosen, posterior = ds[0].tolist(), ds[1].tolist()
        return {tasks[u]: Consensus(names[w], s, *((str(names[chosen[u]]), posterior[u]) if chosen[u] >= 0 else ()))
                for u, w, s in found}

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """Dawid-Skene's label over all the tasks (where it runs; else, and with method "majority", the label most
        annotators gave); a tie goes to the most confident annotator's label (REPRESENTATIVE)."""
        coded, q = answers.coded, len(answers.coded.categories)
        model = posteriors(coded.unit, coded.rater, coded.code, coded.n_units, q, len(coded.rater_ids)) \
            if options.method == "dawid-skene" else None
        method = "dawid-skene" if model is not None else "majority"
        out = {}
        for unit in answers.rated_units():
            rows = answers.rows(unit)
            codes = coded.code[rows.start:rows.stop]
            scores = model[unit] if model is not None else np.bincount(codes, minlength=q).astype(float)
            tied = np.flatnonzero(scores >= scores.max() - 1e-9)
            if len(tied) == 1:
                winner, rule = int(tied[0]), CONSENSUS
            else:
                lead = answers.lead(r for r in rows if coded.code[r] in tied)
                winner, rule = (int(coded.code[lead]) if lead is not None else int(tied[0])), REPRESENTATIVE
            row = answers.lead(r for r in rows if coded.code[r] == winner)
            row = answers.lead(rows) if row is None else row
            out[unit] = Final(answers.answer_as(row, "choices", [coded.categories[winner]]), method, rule)
        return out


class MultiChoice(ChoiceKind):
    name = "multi"
    tags = 'Choices (choice="multiple")'
    unit = "task (x label)"
    measures = ("percent_agreement", "alpha_masi", "alpha_jaccard", "alpha_binary_mean")

    @classmethod
    def is_control_matched(cls, control: Any, interface: Any) -> bool:
        return control.tag == "Choices" and (control.attr or {}).get("choice") == "multiple"

    def parse(self, regions: list[dict], where: Where, problems: list[Problem]) -> frozenset[str]:
        return frozenset(self.chosen(regions, where, problems))

    def encode(self, coded: Coded) -> None:
        categories = sorted(set(coded.values) | set(coded.gold.values()), key=lambda s: (len(s), sorted(s)))
        labels = list(self.spec.labels)
        labels += sorted({label for s in categories for label in s} - set(labels))
        coded.masks, coded.labels = kernels.label_bitmasks(categories, labels), labels
        self.code_categories(coded, categories)

    def codes_similarity(self, coded: Coded, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return 1.0 - kernels.set_distance(coded.masks, "jaccard")(a, b)

    def alpha_of(self, coded: Coded) -> Callable[[np.ndarray, np.ndarray], float | None]:
        distance, n_codes = kernels.set_distance(coded.masks, "masi"), len(coded.categories)
        return lambda unit, code: kernels.distance_alpha(unit, code, distance, n_codes=n_codes)

    def figures(self, coded: Coded, scored: Scored, options: Options) -> Figures:
        figures = Figures()
        figures.measures["percent_agreement"] = percent_agreement_of_codes(coded.unit, coded.code)
        figures.run({name: self._set_alpha(coded, distance) for name, distance in
                     (("alpha_masi", "masi"), ("alpha_jaccard", "jaccard"))}, self.spec.name)
        labels = list(self.spec.labels)
        rating, which = np.nonzero(label_presence(coded, labels))
        figures.labels = label_alphas(coded, (rating, which), len(labels), labels, list(range(len(labels))))
        per_label = [v.alpha for v in figures.labels.values() if v.alpha is not None]
        figures.measures["alpha_binary_mean"] = float(np.mean(per_label)) if per_label else None
        return figures

    @staticmethod
    def _set_alpha(coded: Coded, kind: str) -> Callable[..., float | None]:
        """MASI or Jaccard alpha of the label sets through the linear-memory kernel, as statistic(weights)."""
        distance = kernels.set_distance(coded.masks, kind)
        return lambda w=None: kernels.distance_alpha(coded.unit, coded.code, distance, w, len(coded.categories))

    def consensus(self, coded: Coded) -> dict[Any, Consensus]:
        """Per-label majority: the labels more than half of the annotators chose."""
        rated = np.flatnonzero(coded.ratings_per_unit() > 0).tolist()
        chosen, confidence = label_majority(coded)
        confidence = confidence.tolist()
        return {coded.task_ids[u]: Consensus(chosen[u], confidence[u]) for u in rated}

    def finals(self, answers: Answers, options: FinalOptions) -> dict[int, Final]:
        """Per label: Dawid-Skene on present / absent over all the tasks (where it runs; a tie: the vote), or the
        vote: the label is in the final when the quorum chose it (`FinalOptions.needed`)."""
        coded = answers.coded
        voted, _ = label_majority(coded, options.needed(answers.annotators))
        chosen = [set(labels) for labels in voted]
        method = "majority per label"
        if options.method == "dawid-skene":
            presence = label_presence(coded, list(coded.spec.labels)).astype(np.int64)
            for k, label in enumerate(coded.spec.labels):
                model = posteriors(coded.unit, coded.rater, presence[:, k], coded.n_units, 2, len(coded.rater_ids))
                if model is None:
                    continue
                method = "dawid-skene per label"
                for unit in np.flatnonzero(np.abs(model[:, 1] - model[:, 0]) > 1e-9).tolist():
                    (chosen[unit].add if model[unit, 1] > model[unit, 0] else chosen[unit].discard)(label)
        out = {}
        for unit in answers.rated_units():
            labels = [label for label in coded.spec.labels if label in chosen[unit]]
            rows = answers.rows(unit)
            row = answers.lead(r for r in rows if answers.regions[r])
            regions = answers.answer_as(row, "choices", labels) if labels and row is not None else []
            out[unit] = Final(regions, method)
        return out
