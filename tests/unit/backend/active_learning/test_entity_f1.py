"""Entity-level precision / recall / F1 (CoNLL-2003's exact match), checked against hand-counted examples."""

from __future__ import annotations

import pytest

from ml_backend.active_learning.entity_f1 import entity_scores
from ml_backend.span_bio import decode


def _entities(rows: list[list[str]]) -> set[tuple[int, int, int, str]]:
    out = set()
    for doc, tags in enumerate(rows):
        words = [(i, i + 1) for i in range(len(tags))]
        out |= {(doc, s.first, s.stop, s.label) for s in decode(words, tags)}
    return out


def test_seqeval_readme_example_scores_one_half() -> None:
    # the example of seqeval's README (github.com/chakki-works/seqeval): the MISC entity starts one word early,
    # so it is wrong (exact match only), PER is right; precision = recall = F1 = 1/2, MISC 0 and PER 1 per label
    y_true = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    y_pred = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    scores = entity_scores(_entities(y_true), _entities(y_pred))
    assert (scores.precision, scores.recall, scores.f1) == (0.5, 0.5, 0.5)
    assert (scores.correct, scores.predicted, scores.gold) == (1, 2, 2)
    assert scores.per_label == {"MISC": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1},
                                "PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "gold": 1}}


def test_hand_counted_example_with_a_wrong_type_a_miss_and_a_spurious_entity() -> None:
    gold = {("a", 0, 11, "PERSON"), ("a", 19, 28, "ORG"), ("a", 33, 38, "LOC"), ("b", 0, 6, "LOC")}
    predicted = {("a", 0, 11, "PERSON"),  # right
                 ("a", 19, 28, "LOC"),  # right words, wrong type: wrong
                 ("a", 33, 38, "LOC"),  # right
                 ("b", 10, 14, "ORG")}  # spurious; ("b", 0, 6) missed
    scores = entity_scores(gold, predicted)
    # 2 correct of 4 predicted, 2 found of 4 gold
    assert (scores.precision, scores.recall, scores.f1) == (0.5, 0.5, 0.5)
    assert scores.per_label["LOC"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "gold": 2}
    assert scores.per_label["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1}
    unequal = entity_scores(gold, {("a", 0, 11, "PERSON")})
    assert unequal.precision == 1.0 and unequal.recall == 0.25 and unequal.f1 == pytest.approx(0.4)


def test_degenerate_cases_follow_conlleval() -> None:
    nothing = entity_scores([], [])
    assert (nothing.precision, nothing.recall, nothing.f1, nothing.per_label) == (0.0, 0.0, 0.0, {})
    missed = entity_scores([("a", 0, 1, "X")], [])
    assert (missed.precision, missed.recall, missed.f1) == (0.0, 0.0, 0.0)
    assert entity_scores([("a", 0, 1, "X")], [("a", 0, 1, "X"), ("a", 0, 1, "X")]).f1 == 1.0  # a set: once
