"""The labeling-function analysis against hand counts, and against the examples in Snorkel's own `LFAnalysis`
docstrings (snorkel/labeling/analysis.py, v0.9.9: label_coverage 0.8, label_overlap 0.6, label_conflict 0.2,
lf_polarities [[0, 1], [0], [0]], lf_coverages [0.4, 0.8, 0.4], lf_overlaps [0.4, 0.6, 0.4], lf_conflicts
[0.2, 0.2, 0.0] on the same 5 x 3 matrix)."""

from __future__ import annotations

import numpy as np
import pytest

from sdk_scripts.weak.analysis import analyze_matrix
from sdk_scripts.weak.matrix import LabelMatrix


def test_snorkels_docstring_example_gives_snorkels_figures() -> None:
    codes = [[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]]
    found = analyze_matrix(LabelMatrix(np.arange(5), ["a", "b", "c"], codes, ["zero", "one"], "c", "h"))
    assert (found.coverage, found.overlap, found.conflict) == (pytest.approx(0.8), pytest.approx(0.6),
                                                                 pytest.approx(0.2))
    assert [f.polarity for f in found.functions] == [["zero", "one"], ["zero"], ["zero"]]
    assert [f.coverage for f in found.functions] == pytest.approx([0.4, 0.8, 0.4])
    assert [f.overlaps for f in found.functions] == pytest.approx([0.4, 0.6, 0.4])
    assert [f.conflicts for f in found.functions] == pytest.approx([0.2, 0.2, 0.0])
    assert all(f.correct is None and f.emp_accuracy is None for f in found.functions)
    assert found.labelled == 0 and "no accuracy" in found.notes[0]


def test_figures_match_hand_counts() -> None:
    """Six tasks, functions A, B, C, classes (pos, neg); labels on t1-t4 only:

        task  A    B    C    label
        t1    pos  pos  -    pos
        t2    pos  neg  -    neg
        t3    -    neg  neg  neg
        t4    -    -    -    pos
        t5    neg  -    pos  (none)
        t6    -    -    neg  (none)

    Label coverage: t1 t2 t3 t5 t6 = 5/6; overlap (two votes or more): t1 t2 t3 t5 = 4/6; conflict (two classes):
    t2 t5 = 2/6.
    A: votes on t1 t2 t5 -> coverage 3/6, all three overlap -> 3/6, t2 and t5 conflict -> 2/6; polarity pos, neg;
       on labelled tasks t1 right, t2 wrong -> correct 1, incorrect 1, emp. acc. 0.5;
       confusion (rows pos, neg; columns pos, neg, abstain): pos: t1 pos, t4 abstain -> [1, 0, 1];
       neg: t2 pos, t3 abstain -> [1, 0, 1].
    B: votes on t1 t2 t3 -> coverage 3/6, overlaps 3/6, conflicts t2 -> 1/6; polarity pos, neg; t1 t2 t3 right ->
       3, 0, 1.0; confusion pos: [1, 0, 1], neg: [0, 2, 0].
    C: votes on t3 t5 t6 -> coverage 3/6, overlaps t3 t5 -> 2/6, conflicts t5 -> 1/6; polarity pos, neg; t3 right
       -> 1, 0, 1.0; confusion pos: t1 t4 abstain -> [0, 0, 2], neg: t2 abstain, t3 neg -> [0, 1, 1].
    """
    P, N, X = 0, 1, -1
    codes = [[P, P, X], [P, N, X], [X, N, N], [X, X, X], [N, X, P], [X, X, N]]
    ids = [11, 12, 13, 14, 15, 16]
    matrix = LabelMatrix(ids, ["A", "B", "C"], codes, ["pos", "neg"], "sentiment", "h", errors={"C": 4})
    found = analyze_matrix(matrix, {11: "pos", 12: "neg", 13: "neg", 14: "pos", 99: "neg", 15: "unknown label"})
    assert (found.tasks, found.labelled) == (6, 4)
    assert (found.coverage, found.overlap, found.conflict) == pytest.approx((5 / 6, 4 / 6, 2 / 6))
    a, b, c = found.functions
    assert (a.coverage, a.overlaps, a.conflicts) == pytest.approx((3 / 6, 3 / 6, 2 / 6))
    assert (b.coverage, b.overlaps, b.conflicts) == pytest.approx((3 / 6, 3 / 6, 1 / 6))
    assert (c.coverage, c.overlaps, c.conflicts) == pytest.approx((3 / 6, 2 / 6, 1 / 6))
    assert [(f.covered, f.overlapped, f.conflicted) for f in found.functions] == [(3, 3, 2), (3, 3, 1), (3, 2, 1)]
    assert [f.polarity for f in found.functions] == [["pos", "neg"]] * 3
    assert [(f.correct, f.incorrect, f.emp_accuracy) for f in found.functions] == [(1, 1, 0.5), (3, 0, 1.0),
                                                                                   (1, 0, 1.0)]
    assert a.confusion == [[1, 0, 1], [1, 0, 1]]
    assert b.confusion == [[1, 0, 1], [0, 2, 0]]
    assert c.confusion == [[0, 0, 2], [0, 1, 1]]
    assert [f.raised for f in found.functions] == [0, 0, 4]
    as_json = found.to_json()
    assert as_json["label_coverage"] == pytest.approx(5 / 6) and as_json["functions"][1]["emp_accuracy"] == 1.0
