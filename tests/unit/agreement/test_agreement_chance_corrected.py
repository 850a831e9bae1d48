"""Gwet's coefficients, generalised Fleiss' kappa, Brennan-Prediger, weighted Cohen's kappa, bootstrap intervals.

Reference values (every one published with its data):
- Gwet's R package irrCAC (CRAN 1.0 / github kgwet/irrCAC, README "Computing Agreement Coefficients",
  Gwet 2014, Handbook of Inter-Rater Reliability, 4th ed.): `cac.raw4raters` (12 subjects x 4 raters,
  missing ratings) -- percent agreement 0.8181818, AC1 0.77544 (p_e 0.1903212), Fleiss' kappa 0.76117
  (p_e 0.2387153), Krippendorff's alpha 0.74342, Brennan-Prediger 0.77273; `distrib.6raters` (15
  subjects x 6 raters, counts) -- AC1 0.4448007, Fleiss 0.4139265, alpha 0.4204384, BP 0.4388889;
  `cont3x3abstractors` (two raters, 3 x 3 table) -- Cohen 0.7964094, AC1 0.8493305, BP 0.835,
  alpha 0.7972585.
- Weighted values, three decimals, from the test suite of irrCAC's Python port (github
  afergadis/irrCAC, test/unit/irrCAC/raw/test_gwet.py, test_bp.py, test_fleiss.py and
  table/test_cohen.py), which reproduce the R package: on `cac.raw4raters`, AC2 quadratic 0.914 (p_a
  0.975, p_e 0.714), AC2 linear 0.859, BP quadratic 0.902 / linear 0.848, Fleiss quadratic 0.865 /
  linear 0.818; Cohen's kappa on `cont3x3abstractors` linear 0.843 / quadratic 0.892, on
  `cont4x4diagnosis` 0.432 / linear 0.407 / quadratic 0.383.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from sdk_scripts.agreement import chance_corrected as cc
from sdk_scripts.agreement.bootstrap import bootstrap_coefficients, bootstrap_statistic
from sdk_scripts.agreement.measures import fleiss_kappa, krippendorff_alpha

CAC_RAW4RATERS = [  # subjects x raters (irrCAC `cac.raw4raters`; Krippendorff 2011's example, transposed)
    [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, None, 3, None],
]
DISTRIB_6RATERS = np.array([  # irrCAC `distrib.6raters`: raters per subject and category
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
])
CONT3X3_ABSTRACTORS = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
CONT4X4_DIAGNOSIS = np.array([[40, 6, 4, 15], [4, 25, 1, 5], [4, 2, 21, 9], [17, 13, 12, 45]])
SCALE = [1, 2, 3, 4, 5]


def counts_of(rows: list[list], categories=SCALE) -> np.ndarray:
    counts = np.zeros((len(rows), len(categories)), int)
    for u, row in enumerate(rows):
        for value in row:
            if value is not None:
                counts[u, categories.index(value)] += 1
    return counts


def table_as_counts(table: np.ndarray) -> np.ndarray:
    """A two-rater contingency table as one counts row per subject."""
    q = len(table)
    rows = []
    for a in range(q):
        for b in range(q):
            row = np.zeros(q, int)
            row[a] += 1
            row[b] += 1
            rows += [row] * int(table[a, b])
    return np.array(rows)


def test_irrcac_raw4raters_with_missing_ratings() -> None:
    counts = counts_of(CAC_RAW4RATERS)
    assert cc.weighted_percent_agreement(counts) == pytest.approx(0.8181818, abs=5e-8)
    assert cc.gwet_ac(counts) == pytest.approx(0.77544, abs=5e-6)
    assert (cc.weighted_percent_agreement(counts) - cc.gwet_ac(counts)) / (1 - cc.gwet_ac(counts)) == pytest.approx(
        0.1903212, abs=5e-8)  # p_e, from kappa = (p_a - p_e) / (1 - p_e)
    assert cc.fleiss_kappa_generalised(counts) == pytest.approx(0.76117, abs=5e-6)
    assert cc.brennan_prediger(counts) == pytest.approx(0.77273, abs=5e-6)
    assert krippendorff_alpha(counts, "nominal") == pytest.approx(0.74342, abs=5e-6)
    assert fleiss_kappa(counts) is None  # Fleiss (1971) itself needs equal numbers of raters


def test_irrcac_raw4raters_weighted() -> None:
    counts = counts_of(CAC_RAW4RATERS)
    quadratic = cc.agreement_weights(SCALE, "quadratic")
    linear = cc.agreement_weights(SCALE, "linear")
    assert cc.weighted_percent_agreement(counts, quadratic) == pytest.approx(0.975, abs=5e-4)
    assert cc.gwet_ac(counts, quadratic) == pytest.approx(0.914, abs=5e-4)
    assert cc.gwet_ac(counts, linear) == pytest.approx(0.859, abs=5e-4)
    assert cc.brennan_prediger(counts, quadratic) == pytest.approx(0.902, abs=5e-4)
    assert cc.brennan_prediger(counts, linear) == pytest.approx(0.848, abs=5e-4)
    assert cc.fleiss_kappa_generalised(counts, quadratic) == pytest.approx(0.865, abs=5e-4)
    assert cc.fleiss_kappa_generalised(counts, linear) == pytest.approx(0.818, abs=5e-4)


def test_irrcac_distribution_of_six_raters() -> None:
    assert cc.gwet_ac(DISTRIB_6RATERS) == pytest.approx(0.4448007, abs=5e-8)
    assert cc.fleiss_kappa_generalised(DISTRIB_6RATERS) == pytest.approx(0.4139265, abs=5e-8)
    assert cc.brennan_prediger(DISTRIB_6RATERS) == pytest.approx(0.4388889, abs=5e-8)
    assert krippendorff_alpha(DISTRIB_6RATERS, "nominal") == pytest.approx(0.4204384, abs=5e-8)
    # equal numbers of raters: the generalised form is Fleiss (1971)'s
    assert cc.fleiss_kappa_generalised(DISTRIB_6RATERS) == pytest.approx(fleiss_kappa(DISTRIB_6RATERS), abs=1e-12)


def test_irrcac_two_raters_table() -> None:
    counts = table_as_counts(CONT3X3_ABSTRACTORS)
    assert cc.cohen_kappa_tables(CONT3X3_ABSTRACTORS[None])[0] == pytest.approx(0.7964094, abs=5e-8)
    assert cc.gwet_ac(counts) == pytest.approx(0.8493305, abs=5e-8)
    assert cc.brennan_prediger(counts) == pytest.approx(0.835, abs=5e-8)
    assert krippendorff_alpha(counts, "nominal") == pytest.approx(0.7972585, abs=5e-8)


@pytest.mark.parametrize(("table", "unweighted", "linear", "quadratic"), [
    (CONT3X3_ABSTRACTORS, 0.796, 0.843, 0.892),
    (CONT4X4_DIAGNOSIS, 0.432, 0.407, 0.383),
])
def test_weighted_cohen_kappa(table, unweighted, linear, quadratic) -> None:
    positions = list(range(1, len(table) + 1))
    kappa = [cc.cohen_kappa_tables(table[None], cc.agreement_weights(positions, kind))[0]
             for kind in ("identity", "linear", "quadratic")]
    assert kappa == [pytest.approx(unweighted, abs=5e-4), pytest.approx(linear, abs=5e-4),
                     pytest.approx(quadratic, abs=5e-4)]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, "linear", "quadratic"]))
def test_weighted_cohen_kappa_equals_scikit_learn(seed: int, weighting) -> None:
    # An independent implementation: scikit-learn weights disagreements by |i - j| or (i - j)^2 of the
    # label indices, which equals agreement weights on an equally spaced scale.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    a = rng.integers(0, 4, n)
    b = np.where(rng.random(n) < 0.6, a, rng.integers(0, 4, n))
    table = np.zeros((4, 4), int)
    np.add.at(table, (a, b), 1)
    ours = cc.cohen_kappa_tables(table[None], cc.agreement_weights([1, 2, 3, 4], weighting or "identity"))[0]
    if len(set(a) | set(b)) < 2:
        assert np.isnan(ours)
        return
    with np.errstate(invalid="ignore", divide="ignore"):
        reference = cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights=weighting)
    if np.isnan(reference):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(reference, abs=1e-9)


def test_pair_tables_are_every_pair_on_shared_units() -> None:
    rng = np.random.default_rng(5)
    unit, rater, code = [], [], []
    for u in range(50):
        for r in np.flatnonzero(rng.random(5) < 0.6):
            unit.append(u)
            rater.append(int(r))
            code.append(int(rng.integers(0, 3)))
    pairs, tables = cc.pair_tables(np.array(unit), np.array(rater), np.array(code), 3)
    by = {(u, r): c for u, r, c in zip(unit, rater, code, strict=True)}
    for (a, b), table in zip(pairs, tables, strict=True):
        expected = np.zeros((3, 3), int)
        for u in range(50):
            if (u, a) in by and (u, b) in by:
                expected[by[(u, a)], by[(u, b)]] += 1
        assert a < b and (table == expected).all()
    assert len(pairs) == len({(a, b) for a in range(5) for b in range(a + 1, 5)
                              if any((u, a) in by and (u, b) in by for u in range(50))})


def coefficient_set(q: int) -> dict[str, cc.Coefficient]:
    positions = list(range(1, q + 1))
    return {
        "ac1": cc.gwet_coefficient(np.eye(q), "gwet"),
        "ac2": cc.gwet_coefficient(cc.agreement_weights(positions, "quadratic"), "gwet"),
        "fleiss": cc.gwet_coefficient(np.eye(q), "fleiss"),
        "bp": cc.gwet_coefficient(np.eye(q), "bp"),
        "alpha_nominal": cc.alpha_coefficient(1 - np.eye(q)),
        "alpha_ordinal": cc.alpha_coefficient(cc.ordinal_distance),
        "alpha_interval": cc.alpha_coefficient(cc.interval_distance(positions)),
    }


def test_replicate_sums_are_the_resampled_data() -> None:
    # What makes the vectorised bootstrap right: weighting per-unit terms by draw counts gives exactly
    # the coefficients of the resampled counts matrix.
    counts = counts_of(CAC_RAW4RATERS)
    rng = np.random.default_rng(2)
    for _ in range(20):
        draws = rng.integers(0, len(counts), len(counts))
        multiplicity = np.bincount(draws, minlength=len(counts)).astype(float)
        resampled = cc.evaluate(counts[draws], coefficient_set(5))
        for name, c in coefficient_set(5).items():
            value = c.finish((multiplicity @ c.terms(counts.astype(float)))[None, :])[0]
            if resampled[name] is None:
                assert not np.isfinite(value)
            else:
                assert value == pytest.approx(resampled[name], abs=1e-12), name
    direct = cc.evaluate(counts, coefficient_set(5))
    assert direct["alpha_ordinal"] == pytest.approx(0.815, abs=5e-4)  # Krippendorff 2011
    assert direct["alpha_interval"] == pytest.approx(0.849, abs=5e-4)


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(9)
    truth = rng.integers(0, 4, 400)
    counts = np.zeros((400, 4), int)
    for _ in range(3):
        answer = np.where(rng.random(400) < 0.7, truth, rng.integers(0, 4, 400))
        np.add.at(counts, (np.arange(400), answer), 1)
    coefficients = coefficient_set(4)
    first = bootstrap_coefficients(counts, coefficients, ci=0.95, replicates=400, seed=1)
    assert first == bootstrap_coefficients(counts, coefficients, ci=0.95, replicates=400, seed=1)
    assert first != bootstrap_coefficients(counts, coefficients, ci=0.95, replicates=400, seed=2)
    narrow = bootstrap_coefficients(counts, coefficients, ci=0.5, replicates=400, seed=1)
    for name, value in cc.evaluate(counts, coefficients).items():
        interval = first[name]
        assert interval["low"] < value < interval["high"], name
        assert interval["level"] == 0.95 and interval["replicates"] == 400
        assert interval["high"] - interval["low"] < 0.2  # 400 units: about +-0.05
        assert interval["low"] <= narrow[name]["low"] and narrow[name]["high"] <= interval["high"]


def test_bootstrap_of_an_undefined_coefficient_is_none() -> None:
    counts = np.array([[3, 0], [2, 0], [3, 0]])  # one category in use: no chance-corrected coefficient
    result = bootstrap_coefficients(counts, {"alpha": cc.alpha_coefficient(1 - np.eye(2))}, replicates=50)
    assert result == {"alpha": None}
    assert bootstrap_coefficients(np.zeros((0, 2)), {"alpha": cc.alpha_coefficient(1 - np.eye(2))}) == {"alpha": None}


def test_the_two_bootstraps_agree_on_the_same_draws() -> None:
    # Same seed, same draws: recomputing the linear-memory alpha per replicate (measured values, label
    # sets) gives the interval the vectorised bootstrap gives on the counts matrix.
    from sdk_scripts.agreement import alpha

    counts = counts_of(CAC_RAW4RATERS)
    rows, columns = np.nonzero(counts)
    unit = np.repeat(rows, counts[rows, columns])
    x = np.repeat(columns, counts[rows, columns]) + 1.0
    vectorised = bootstrap_coefficients(counts, {"a": cc.alpha_coefficient(cc.interval_distance(SCALE))},
                                        replicates=300, seed=4)["a"]
    looped = bootstrap_statistic(lambda w: alpha.interval_alpha(unit, x, w), len(counts), replicates=300, seed=4)
    assert looped == pytest.approx(vectorised, abs=1e-12)
