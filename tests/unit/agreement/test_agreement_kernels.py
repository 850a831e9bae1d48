"""Krippendorff's alpha in linear memory: published values, the `krippendorff` package as baseline, memory bounds.

Published values: Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg
School for Communication, University of Pennsylvania, section C/E example (4 observers, 12 units):
nominal .743, ordinal .815, interval .849, ratio .797 (the ratio figure also in Gwet's irrCAC,
`krippen.alpha.raw(cac.raw4raters, weights="ratio")` = 0.797, the same data). And the example of the
Wikipedia article "Krippendorff's alpha" (3 coders, 15 units): nominal 0.691, pinned to six digits
(0.691358) with interval 0.810845 in the `krippendorff` package's own tests.
"""

from __future__ import annotations

import tracemalloc

import krippendorff
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance as nltk_masi

from sdk_scripts.agreement import alpha
from sdk_scripts.agreement.measures import krippendorff_alpha, masi_distance

KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
WIKIPEDIA = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


def ratings(matrix: list[list]) -> tuple[np.ndarray, np.ndarray]:
    """(unit, value) arrays from a coders x units reliability matrix (None = missing)."""
    pairs = [(u, v) for row in matrix for u, v in enumerate(row) if v is not None]
    return np.array([u for u, _ in pairs]), np.array([v for _, v in pairs], float)


def test_krippendorff_2011_every_level() -> None:
    unit, x = ratings(KRIPPENDORFF_2011)
    assert alpha.nominal_alpha_of_codes(unit, x.astype(int)) == pytest.approx(0.743, abs=5e-4)
    assert alpha.ordinal_alpha(unit, x) == pytest.approx(0.815, abs=5e-4)
    assert alpha.interval_alpha(unit, x) == pytest.approx(0.849, abs=5e-4)
    assert alpha.ratio_alpha(unit, x) == pytest.approx(0.797, abs=5e-4)


def test_wikipedia_example() -> None:
    unit, x = ratings(WIKIPEDIA)
    assert alpha.nominal_alpha_of_codes(unit, x.astype(int)) == pytest.approx(0.691358, abs=5e-7)
    assert alpha.interval_alpha(unit, x) == pytest.approx(0.810845, abs=5e-7)


def test_counts_entry_point_every_level() -> None:
    unit, x = ratings(KRIPPENDORFF_2011)
    counts = np.zeros((12, 5), int)
    np.add.at(counts, (unit, x.astype(int) - 1), 1)
    domain = [1, 2, 3, 4, 5]
    assert krippendorff_alpha(counts, "ordinal", domain) == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(counts, "interval", domain) == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(counts, "ratio", domain) == pytest.approx(0.797, abs=5e-4)


def random_units(rng: np.random.Generator, n_units: int, n_values: int, max_raters: int = 5):
    """Ratings with 0..max_raters raters per unit (missing data, unpairable units included)."""
    sizes = rng.integers(0, max_raters + 1, n_units)
    unit = np.repeat(np.arange(n_units), sizes)
    truth = rng.integers(0, n_values, n_units)[unit]
    noise = rng.integers(0, n_values, len(unit))
    return unit, np.where(rng.random(len(unit)) < 0.6, truth, noise)


def baseline(unit, code, n_values, level, domain=None) -> float | None:
    counts = np.zeros((int(unit.max()) + 1, n_values), int)
    np.add.at(counts, (unit, code), 1)
    pairable = counts[counts.sum(axis=1) >= 2]
    used = pairable.sum(axis=0) > 0
    if used.sum() < 2:
        return None
    if isinstance(level, np.ndarray):
        sub = level[np.ix_(used, used)]

        def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
            return sub[i1, i2].astype(dtype)

        return float(krippendorff.alpha(value_counts=pairable[:, used], value_domain=np.arange(used.sum()),
                                        level_of_measurement=metric))
    values = np.arange(n_values, dtype=float) if domain is None else np.asarray(domain, float)
    return float(krippendorff.alpha(value_counts=pairable[:, used], value_domain=values[used],
                                    level_of_measurement=level))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 9))
def test_equal_to_the_krippendorff_package_on_random_data(seed: int, n_values: int) -> None:
    rng = np.random.default_rng(seed)
    unit, code = random_units(rng, int(rng.integers(2, 40)), n_values)
    if len(unit) == 0:
        return
    domain = np.sort(rng.uniform(0.5, 100, n_values))  # measured values: unequal steps, all positive
    x = domain[code]
    for level, ours in (("nominal", alpha.nominal_alpha_of_codes(unit, code)),
                        ("ordinal", alpha.ordinal_alpha(unit, x)),
                        ("interval", alpha.interval_alpha(unit, x)),
                        ("ratio", alpha.ratio_alpha(unit, x))):
        expected = baseline(unit, code, n_values, level, domain)
        if expected is None or not np.isfinite(expected):
            assert ours is None, level
        else:
            assert ours == pytest.approx(expected, abs=1e-9), level


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_set_distances_equal_the_package_with_the_same_matrix(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = list("abcde")
    sets = sorted({frozenset(label for label in labels if rng.random() < 0.4) for _ in range(12)}, key=sorted)
    unit, code = random_units(rng, 25, len(sets))
    if len(unit) == 0:
        return
    masks = alpha.label_bitmasks(sets, labels)
    matrix = np.array([[masi_distance(a, b) for b in sets] for a in sets])
    expected = baseline(unit, code, len(sets), matrix)
    for distance in (matrix, alpha.set_distance(masks, "masi")):
        ours = alpha.distance_alpha(unit, code, distance, n_codes=len(sets))
        if expected is None or not np.isfinite(expected):
            assert ours is None
        else:
            assert ours == pytest.approx(expected, abs=1e-9)


def test_set_distance_functions_match_their_definitions() -> None:
    labels = list("abcdefg")
    sets = [frozenset(), frozenset("a"), frozenset("ab"), frozenset("abc"), frozenset("cd"), frozenset("efg"),
            frozenset("abcdefg")]
    masks = alpha.label_bitmasks(sets, labels)
    i, j = np.divmod(np.arange(len(sets) ** 2), len(sets))
    masi = alpha.set_distance(masks, "masi")(i, j)
    jaccard = alpha.set_distance(masks, "jaccard")(i, j)
    for k, (a, b) in enumerate(zip(i, j, strict=True)):
        x, y = sets[a], sets[b]
        assert masi[k] == pytest.approx(masi_distance(x, y))
        if x or y:  # NLTK's MASI is undefined for two empty sets
            assert masi[k] == pytest.approx(nltk_masi(set(x), set(y)))
        assert jaccard[k] == pytest.approx(1 - (len(x & y) / len(x | y) if x | y else 1.0))


def test_masi_alpha_equals_nltk_annotation_task() -> None:
    # An independent implementation: NLTK's AnnotationTask with its own MASI distance (Passonneau 2006).
    rng = np.random.default_rng(7)
    labels = list("abcd")
    triples, units, codes, sets = [], [], [], {}
    for u in range(40):
        base = frozenset(label for label in labels if rng.random() < 0.5) or frozenset("a")
        for coder in range(3):
            answer = set(base)
            if rng.random() < 0.3:
                answer ^= {labels[int(rng.integers(0, 4))]}
            answer = frozenset(answer) or frozenset("b")
            triples.append((str(coder), str(u), answer))
            units.append(u)
            codes.append(sets.setdefault(answer, len(sets)))
    ordered = sorted(sets, key=sets.get)
    ours = alpha.distance_alpha(np.array(units), np.array(codes),
                                alpha.set_distance(alpha.label_bitmasks(ordered, labels), "masi"))
    reference = AnnotationTask(data=triples, distance=nltk_masi).alpha()
    assert ours == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 1000])
def test_pairs_in_groups_yields_every_pair_once_in_chunks(limit: int) -> None:
    group = np.array([0, 0, 0, 1, 2, 2, 3, 3, 3, 3])
    found = sorted((int(a), int(b)) for i, j in alpha._pairs_in_groups(group, limit) for a, b in zip(i, j, strict=True))
    expected = sorted((a, b) for a in range(len(group)) for b in range(a + 1, len(group)) if group[a] == group[b])
    assert found == expected
    assert alpha.pair_count(group) == len(expected)


def test_measured_values_in_linear_memory() -> None:
    # The case that was killed at 21 GB / asked for 509 GiB: thousands of units x 3 continuous values
    # (V ~ 3N distinct values, an N x V x V array in the `krippendorff` package).
    rng = np.random.default_rng(3)
    n_units = 20_000
    truth = rng.normal(50, 10, n_units)
    unit = np.repeat(np.arange(n_units), 3)
    x = truth[unit] + rng.normal(0, 2, len(unit))
    tracemalloc.start()
    try:
        interval = alpha.interval_alpha(unit, x)
        ordinal = alpha.ordinal_alpha(unit, x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20  # a few arrays of 60,000 values, never V x V
    assert 0.9 < interval < 1 and 0.9 < ordinal < 1  # noise sd 2 against a spread of 10: 1 - 4/104 ~ 0.96
    subset = unit < 300  # small enough for the baseline's N x V x V
    data = x[subset].reshape(-1, 3).T
    for level, ours in (("interval", alpha.interval_alpha), ("ordinal", alpha.ordinal_alpha)):
        reference = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
        assert ours(unit[subset], x[subset]) == pytest.approx(reference, abs=1e-9)


def test_too_large_is_raised_before_allocating(monkeypatch) -> None:
    monkeypatch.setattr(alpha, "MAX_DISTANCE_EVALUATIONS", 10_000)
    unit = np.repeat(np.arange(200), 3)
    x = np.arange(600, dtype=float) + 1  # 600 distinct values: 360,000 evaluations for ratio alpha
    with pytest.raises(alpha.TooLarge, match="600 distinct values"):
        alpha.ratio_alpha(unit, x)
    assert alpha.interval_alpha(unit, x) is not None  # closed form: no budget needed


def test_unit_weights_are_resampled_units() -> None:
    # A bootstrap replicate weights units by how often they were drawn: the same alpha as the data with
    # those units repeated (relabelled as separate units).
    rng = np.random.default_rng(11)
    unit, code = random_units(rng, 30, 4)
    x = np.array([1.0, 2.5, 4.0, 9.0])[code]
    draws = rng.integers(0, 30, 30)
    weights = np.bincount(draws, minlength=30).astype(float)
    parts = [(np.full(int((unit == u).sum()), k), x[unit == u], code[unit == u]) for k, u in enumerate(draws)]
    repeated_unit = np.concatenate([p[0] for p in parts])
    repeated_x = np.concatenate([p[1] for p in parts])
    repeated_code = np.concatenate([p[2] for p in parts])
    for weighted, plain in ((alpha.interval_alpha(unit, x, weights), alpha.interval_alpha(repeated_unit, repeated_x)),
                            (alpha.ordinal_alpha(unit, x, weights), alpha.ordinal_alpha(repeated_unit, repeated_x)),
                            (alpha.ratio_alpha(unit, x, weights), alpha.ratio_alpha(repeated_unit, repeated_x)),
                            (alpha.nominal_alpha_of_codes(unit, code, weights),
                             alpha.nominal_alpha_of_codes(repeated_unit, repeated_code))):
        assert weighted == pytest.approx(plain, abs=1e-12)


def test_undefined_alpha_is_none() -> None:
    assert alpha.interval_alpha(np.array([0, 1]), np.array([1.0, 2.0])) is None  # nothing pairable
    assert alpha.interval_alpha(np.array([0, 0, 1, 1]), np.array([3.0, 3.0, 3.0, 3.0])) is None  # one value
    assert alpha.nominal_alpha_of_codes(np.array([], int), np.array([], int)) is None
    assert alpha.ratio_alpha(np.array([0, 0, 1, 1]), np.array([0.0, 0.0, 2.0, 2.0])) == pytest.approx(1.0)


region_box = st.tuples(st.sampled_from(["car", "person"]), st.sampled_from([0.0, 5.0, 10.0, 11.0, 40.0]),
                       st.sampled_from([0.0, 10.0, 12.0]), st.sampled_from([5.0, 10.0, 20.0]),
                       st.sampled_from([5.0, 10.0, 20.0]))
region_span = st.tuples(st.sampled_from(["PER", "LOC"]), st.integers(0, 12), st.integers(1, 5)).map(
    lambda t: (t[0], t[1], t[1] + t[2]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(region_box, max_size=7).map(tuple), min_size=2, max_size=12), st.floats(0.05, 1.0),
       st.integers(0, 2**16))
def test_batched_box_f1_equals_the_pairwise_definition(ratings, threshold, seed) -> None:
    from sdk_scripts.agreement.geometry import box_f1, flatten_regions, pair_f1

    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(ratings), 40), rng.integers(0, len(ratings), 40)
    ours = pair_f1(*flatten_regions(ratings), i, j, threshold)
    assert ours == pytest.approx([box_f1(ratings[a], ratings[b], threshold) for a, b in zip(i, j, strict=True)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(region_span, max_size=5).map(tuple), min_size=2, max_size=12), st.integers(0, 2**16))
def test_batched_span_f1_equals_the_pairwise_definition(ratings, seed) -> None:
    from sdk_scripts.agreement.geometry import flatten_regions, pair_f1, restrict_regions, span_f1

    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(ratings), 40), rng.integers(0, len(ratings), 40)
    flat = flatten_regions(ratings)
    assert pair_f1(*flat, i, j, 1e-9) == pytest.approx([span_f1(ratings[a], ratings[b])
                                                        for a, b in zip(i, j, strict=True)])
    only = [tuple(r for r in rating if r[0] == "PER") for rating in ratings]
    restricted = restrict_regions(*flat, flat[1] == "PER")
    assert pair_f1(*restricted, i, j, 1e-9) == pytest.approx([span_f1(only[a], only[b])
                                                              for a, b in zip(i, j, strict=True)])


def reference_matched_units(by_task: list[dict], threshold: float) -> list[dict]:
    """The matched-units definition written out task by task (the engine's former per-task loop)."""
    from sdk_scripts.agreement.geometry import iou_matrix, match

    units = []
    for by_annotator in by_task:
        clusters: list = []
        for annotator, regions in by_annotator.items():
            found = []
            if clusters and regions:
                overlap = iou_matrix(np.array([r[1:] for r in regions], float),
                                     np.array([c[0][1:] for c in clusters], float))
                found = match(overlap, ["x"] * len(regions), ["x"] * len(clusters), threshold)
            for i, j in found:
                clusters[j][1][annotator] = regions[i][0]
            for i, region in enumerate(regions):
                if i not in {i for i, _ in found}:
                    clusters.append((region, {annotator: region[0]}))
        units += [{a: labels.get(a, "<none>") for a in by_annotator} for _, labels in clusters]
    return units


SAME = ("car", 0.0, 0.0, 5.0, 5.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.lists(region_box, max_size=5).map(tuple), min_size=1, max_size=4), min_size=1,
                max_size=8), st.floats(0.05, 0.9))
@example([[(), (SAME,) * 5, (SAME,) * 5],  # ties: the assignment must be the one on the unpadded matrix
          [(), (SAME, SAME, ("car", 0.0, 10.0, 5.0, 20.0), ("car", 0.0, 10.0, 5.0, 20.0)),
           (SAME,) * 4 + (("car", 0.0, 0.0, 5.0, 20.0),), (("car", 0.0, 10.0, 5.0, 5.0),)]], 0.25)
def test_matched_units_alpha_equals_the_task_by_task_definition(tasks, threshold) -> None:
    from sdk_scripts.agreement.controls import ControlSpec
    from sdk_scripts.agreement.extract import Ratings
    from sdk_scripts.agreement.kinds.registry import code_ratings
    from sdk_scripts.agreement.regions import matched_units_alpha

    table = Ratings(ControlSpec("label", "RectangleLabels", "boxes", ("car", "person"), "rectanglelabels"))
    for t, answers in enumerate(tasks):
        for a, regions in enumerate(answers):
            table.task.append(t)
            table.annotator.append(a)
            table.week.append("w")
            table.value.append(regions)
    coded = code_ratings(table)
    ours = matched_units_alpha(coded, coded.ratings_per_unit() >= 1, threshold)
    units = reference_matched_units([dict(enumerate(answers)) for answers in tasks], threshold)
    keys = {label: k for k, label in enumerate(sorted({v for u in units for v in u.values()}))}
    unit = np.array([k for k, u in enumerate(units) for _ in u], np.int64)
    code = np.array([keys[v] for u in units for v in u.values()], np.int64)
    expected = alpha.nominal_alpha_of_codes(unit, code) if units else None
    assert ours == (pytest.approx(expected, abs=1e-12) if expected is not None else None)


def test_interval_alpha_of_one_value_is_undefined_whatever_the_rounding() -> None:
    """Five ratings of 28.421108455974306: the mean differs from the value in the last bit, which once gave alpha 0.0
    instead of None (no expected disagreement); found by the property test above (seed 30389)."""
    x = np.full(5, 28.421108455974306)
    assert alpha.interval_alpha(np.ones(5, int), x) is None
    resampled = np.array([1, 0])  # a bootstrap replicate that drew only the first unit
    assert alpha.interval_alpha(np.array([0, 0, 1, 1]), np.array([x[0]] * 2 + [3.0] * 2), resampled) is None
