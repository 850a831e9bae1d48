"""The new coefficients through the whole engine (Label Studio task JSON in, report out) and the command.

Published values: Gwet's irrCAC (README, `cac.raw4raters`, which is Krippendorff 2011's example: 12
subjects x 4 raters with missing ratings): percent agreement 0.8181818, AC1 0.77544, Fleiss' kappa
0.76117, Brennan-Prediger 0.77273; weighted values from irrCAC's Python port test suite (afergadis/
irrCAC): AC2 quadratic 0.914, linear 0.859; Cohen's kappa on `cont4x4diagnosis` 0.432, linear 0.407,
quadratic 0.383. Krippendorff (2011): ratio alpha .797. The Wikipedia article "Krippendorff's alpha":
nominal alpha 0.691 on its 3 coders x 15 units.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import krippendorff
import numpy as np
import pytest

from sdk_scripts.agreement import alpha
from sdk_scripts.agreement.engine import agreement_report
from tests.support.agreement import (
    KRIPPENDORFF_2011,
    RATING_CONFIG,
    choice_config,
    choice_result,
    rating_result,
    tasks_from_matrix,
)

NUMBER_CONFIG = """<View><Text name="text" value="$text"/><Number name="amount" toName="text"/></View>"""
TAGS = [f"t{i}" for i in range(10)]
MULTI_CONFIG = ('<View><Text name="text" value="$text"/><Choices name="tags" toName="text" choice="multiple">'
                + "".join(f'<Choice value="{t}"/>' for t in TAGS) + "</Choices></View>")
WIKIPEDIA = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]
CONT4X4_DIAGNOSIS = np.array([[40, 6, 4, 15], [4, 25, 1, 5], [4, 2, 21, 9], [17, 13, 12, 45]])


def number_result(value) -> list[dict]:
    return [{"from_name": "amount", "to_name": "text", "type": "number", "value": {"number": value}}]


def tags_result(values) -> list[dict]:
    return [{"from_name": "tags", "to_name": "text", "type": "choices", "value": {"choices": list(values)}}]


def test_rating_scale_coefficients_through_the_engine() -> None:
    (control,) = agreement_report(RATING_CONFIG, tasks_from_matrix(KRIPPENDORFF_2011, rating_result))["controls"]
    measures = control["measures"]
    assert measures["percent_agreement"] == pytest.approx(0.8181818, abs=5e-8)
    assert measures["gwet_ac1"] == pytest.approx(0.77544, abs=5e-6)
    assert measures["fleiss_kappa"] == pytest.approx(0.76117, abs=5e-6)  # unequal rater counts: no longer None
    assert measures["brennan_prediger"] == pytest.approx(0.77273, abs=5e-6)
    assert measures["gwet_ac2_quadratic"] == pytest.approx(0.914, abs=5e-4)
    assert measures["gwet_ac2_linear"] == pytest.approx(0.859, abs=5e-4)
    assert measures["alpha_ratio"] == pytest.approx(0.797, abs=5e-4)
    assert measures["alpha_ordinal"] == pytest.approx(0.815, abs=5e-4)


def test_nominal_coefficients_through_the_engine() -> None:
    report = agreement_report(choice_config(["1", "2", "3", "4", "5"]), tasks_from_matrix(KRIPPENDORFF_2011,
                                                                                          choice_result))
    measures = report["controls"][0]["measures"]
    assert measures["gwet_ac1"] == pytest.approx(0.77544, abs=5e-6)
    assert measures["fleiss_kappa"] == pytest.approx(0.76117, abs=5e-6)
    assert measures["brennan_prediger"] == pytest.approx(0.77273, abs=5e-6)
    assert "gwet_ac2_linear" not in measures  # weights need an ordered scale


def test_weighted_cohen_kappa_per_pair_on_a_rating_scale() -> None:
    first, second = [], []
    for a in range(4):
        for b in range(4):
            first += [a + 1] * int(CONT4X4_DIAGNOSIS[a, b])
            second += [b + 1] * int(CONT4X4_DIAGNOSIS[a, b])
    config = RATING_CONFIG.replace('maxRating="5"', 'maxRating="4"')
    (control,) = agreement_report(config, tasks_from_matrix([first, second], rating_result))["controls"]
    (pair,) = control["pairs"]
    assert pair["tasks"] == 223
    assert pair["cohen_kappa"] == pytest.approx(0.432, abs=5e-4)
    assert pair["cohen_kappa_linear"] == pytest.approx(0.407, abs=5e-4)
    assert pair["cohen_kappa_quadratic"] == pytest.approx(0.383, abs=5e-4)


def test_min_annotators_decides_task_scores_not_coefficients() -> None:
    # The case: on the Wikipedia example alpha dropped from 0.691 to 0.375 with --min-annotators 3.
    config = choice_config(["1", "2", "3", "4"])
    tasks = tasks_from_matrix(WIKIPEDIA, choice_result)
    raters = [sum(row[u] is not None for row in WIKIPEDIA) for u in range(15)]
    for minimum in (2, 3):
        report = agreement_report(config, tasks, min_annotators=minimum)
        (control,) = report["controls"]
        assert control["measures"]["alpha_nominal"] == pytest.approx(0.691358, abs=5e-7)
        scored = [t["task"] for t in report["tasks"] if t["score"] is not None]
        assert scored == [u + 1 for u in range(15) if raters[u] >= minimum]
        assert control["tasks_scored"] == report["summary"]["tasks_scored"] == len(scored)


def measured_tasks(n_tasks: int, seed: int = 0) -> tuple[list[dict], np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.uniform(10, 100, n_tasks)
    values = np.round(truth[:, None] + rng.normal(0, 3, (n_tasks, 3)), 6)
    rows = [[float(v) for v in values[:, k]] for k in range(3)]
    return tasks_from_matrix(rows, number_result), values


def test_number_alpha_of_measured_values_in_linear_memory() -> None:
    # 2,000 tasks x 3 measured values asked the `krippendorff` package for 509 GiB; 600 tasks were killed at 21 GB.
    tasks, values = measured_tasks(2000)
    tracemalloc.start()
    try:
        report = agreement_report(NUMBER_CONFIG, tasks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 120 * 2**20  # measured: 35 MB
    measures = report["controls"][0]["measures"]
    assert 0.97 < measures["alpha_interval"] < 1  # noise sd 3 against a uniform spread of sd 26
    small_tasks, small = measured_tasks(150, seed=1)  # small enough for the package's N x V x V
    small_measures = agreement_report(NUMBER_CONFIG, small_tasks)["controls"][0]["measures"]
    for level in ("interval", "ordinal", "ratio"):
        reference = float(krippendorff.alpha(reliability_data=small.T, level_of_measurement=level))
        assert small_measures[f"alpha_{level}"] == pytest.approx(reference, abs=1e-9), level


def tag_tasks(n_tasks: int, seed: int = 0) -> tuple[list[dict], list[list[frozenset]]]:
    rng = np.random.default_rng(seed)
    rows: list[list] = [[], [], []]
    for _ in range(n_tasks):
        base = rng.random(len(TAGS)) < 0.3
        for coder in range(3):
            flip = rng.random(len(TAGS)) < 0.1
            rows[coder].append(frozenset(t for t, on in zip(TAGS, base ^ flip, strict=True) if on))
    return tasks_from_matrix(rows, tags_result), rows


def test_multi_label_masi_alpha_in_linear_memory() -> None:
    # 30,000 tasks with 10 labels asked for 232 GiB: up to 2^10 distinct sets.
    tasks, _ = tag_tasks(5000)
    tracemalloc.start()
    try:
        report = agreement_report(MULTI_CONFIG, tasks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20  # measured: 92 MB
    measures = report["controls"][0]["measures"]
    assert 0 < measures["alpha_jaccard"] < 1 and 0 < measures["alpha_masi"] < 1
    small_tasks, rows = tag_tasks(60, seed=2)
    small = agreement_report(MULTI_CONFIG, small_tasks)["controls"][0]["measures"]
    sets = sorted({s for row in rows for s in row}, key=sorted)
    index = {s: k for k, s in enumerate(sets)}
    data = np.array([[index[s] for s in row] for row in rows], float)
    masi = np.array([[0.0 if a == b else 1 - (len(a & b) / len(a | b)) * (
        2 / 3 if a <= b or b <= a else 1 / 3 if a & b else 0.0) for b in sets] for a in sets])

    def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
        return masi[v1.astype(int), v2.astype(int)].astype(dtype)

    reference = float(krippendorff.alpha(reliability_data=data, value_domain=np.arange(len(sets)),
                                         level_of_measurement=metric))
    assert small["alpha_masi"] == pytest.approx(reference, abs=1e-9)


def test_ratio_alpha_of_negative_values_is_a_note() -> None:
    rows = [[-1.0, 2.0, 5.0, 7.5], [-1.5, 2.0, 4.0, 7.0]]
    report = agreement_report(NUMBER_CONFIG, tasks_from_matrix(rows, number_result))
    measures = report["controls"][0]["measures"]
    assert measures["alpha_ratio"] is None and measures["alpha_interval"] is not None
    assert any("alpha_ratio not computed: ratio alpha needs values >= 0" in n for n in report["notes"])


def test_a_computation_over_budget_is_a_note_not_an_error(monkeypatch) -> None:
    monkeypatch.setattr(alpha, "MAX_DISTANCE_EVALUATIONS", 1000)
    tasks, _ = measured_tasks(300)
    report = agreement_report(NUMBER_CONFIG, tasks)
    measures = report["controls"][0]["measures"]
    assert measures["alpha_ratio"] is None and measures["alpha_interval"] is not None
    assert any(n.startswith("amount: alpha_ratio not computed: 900 distinct values") for n in report["notes"])


def test_bootstrap_intervals_in_the_report() -> None:
    tasks = tasks_from_matrix(KRIPPENDORFF_2011, rating_result)
    report = agreement_report(RATING_CONFIG, tasks, ci=0.95, seed=7, replicates=500)
    (control,) = report["controls"]
    intervals = control["intervals"]
    for name in ("alpha_ordinal", "alpha_interval", "alpha_ratio", "fleiss_kappa", "gwet_ac1", "gwet_ac2_linear",
                 "gwet_ac2_quadratic", "brennan_prediger"):
        interval = intervals[name]
        assert interval["level"] == 0.95 and interval["replicates"] >= 250
        assert interval["low"] <= control["measures"][name] <= interval["high"], name
    assert report == agreement_report(RATING_CONFIG, tasks, ci=0.95, seed=7, replicates=500)
    assert report != agreement_report(RATING_CONFIG, tasks, ci=0.95, seed=8, replicates=500)
    assert "intervals" not in agreement_report(RATING_CONFIG, tasks)["controls"][0]
    number = agreement_report(NUMBER_CONFIG, measured_tasks(200)[0], ci=0.9, replicates=200)["controls"][0]
    assert number["intervals"]["alpha_interval"]["low"] < number["measures"]["alpha_interval"]
    assert number["intervals"]["alpha_interval"]["high"] > number["measures"]["alpha_interval"]


# -- the command ---------------------------------------------------------------------------------

def write_pull(root, config: str, tasks: list[dict]):
    root.mkdir()
    (root / "project.json").write_text(json.dumps({"format": 1, "project": {"id": 3, "title": "measures"}}))
    (root / "label_config.xml").write_text(config)
    (root / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return root


@pytest.fixture
def offline(offline_cli):
    return offline_cli


def test_agreement_command_with_intervals(offline, tmp_path) -> None:
    pulled = write_pull(tmp_path / "pull", RATING_CONFIG, tasks_from_matrix(KRIPPENDORFF_2011, rating_result))
    code, out, err = offline("agreement", pulled, "--json", "--ci", "0.95", "--seed", "3")
    assert code == 0, err
    report = json.loads(out)
    control = report["controls"][0]
    assert control["measures"]["gwet_ac1"] == pytest.approx(0.77544, abs=5e-6)
    assert set(control["intervals"]) >= {"alpha_interval", "fleiss_kappa", "gwet_ac1"}
    assert [json.loads(line.rstrip(",")) for line in out.splitlines() if line.startswith('    {"task"')] \
        == report["tasks"]  # one task per line
    again = json.loads(offline("agreement", pulled, "--json", "--ci", "0.95", "--seed", "3")[1])
    assert again == report
    code, out, _ = offline("agreement", pulled, "--ci", "0.9")
    assert code == 0 and "alpha_interval 0.849 [" in out
    for bad in ("0", "1.5", "nan"):
        code, _, err = offline("agreement", pulled, "--ci", bad)
        assert code == 2 and "Traceback" not in err and "--ci" in err.splitlines()[-1]


def test_out_of_memory_is_one_error_line(tmp_path) -> None:
    # A real MemoryError: the command runs under an address-space limit a little above what it has
    # mapped once imported, on a pull whose tasks need more than that.
    rows = [[f"{(u * 7 + k) % 5}" for u in range(20_000)] for k in range(3)]
    pulled = write_pull(tmp_path / "pull", choice_config(["0", "1", "2", "3", "4"]),
                        tasks_from_matrix(rows, choice_result))
    script = textwrap.dedent(f"""
        import resource, sys
        from sdk_scripts import cli
        from sdk_scripts.agreement import engine  # noqa: F401  (imports done before the limit)
        import crowdkit.aggregation  # noqa: F401
        size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (size + 48 * 2**20, resource.RLIM_INFINITY))
        sys.exit(cli.main(["agreement", {str(pulled)!r}, "--json"]))
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("labelops: error: not enough memory")
    assert done.stdout == ""


def test_many_categories_skip_the_dense_coefficients_with_a_note(monkeypatch) -> None:
    # A single choice of thousands of labels on many tasks: alpha, percent agreement and the per-label
    # alphas stay exact (sparse); the counts-matrix family is left out with a note instead of a huge matrix.
    from sdk_scripts.agreement import engine

    config = choice_config(["1", "2", "3", "4", "5"])
    tasks = tasks_from_matrix(KRIPPENDORFF_2011, choice_result)
    dense = agreement_report(config, tasks)["controls"][0]
    monkeypatch.setattr(engine, "DENSE_CELLS", 10)
    report = agreement_report(config, tasks, ci=0.9, replicates=100)
    (sparse,) = report["controls"]
    for name in ("alpha_nominal", "percent_agreement"):
        assert sparse["measures"][name] == pytest.approx(dense["measures"][name], abs=1e-12)
    for label, figures in dense["labels"].items():
        assert sparse["labels"][label]["count"] == figures["count"]
        assert sparse["labels"][label]["alpha"] == pytest.approx(figures["alpha"], abs=1e-12)
    assert "fleiss_kappa" not in sparse["measures"] and sparse["pairs"] == []
    assert any("12 tasks x 5 categories is over 10 cells" in n for n in report["notes"])
    assert sparse["intervals"]["alpha_nominal"]["low"] < sparse["measures"]["alpha_nominal"]


def test_per_label_alphas_in_one_pass_equal_alpha_per_label() -> None:
    from sdk_scripts.agreement.measures import binary_alphas, krippendorff_alpha

    rng = np.random.default_rng(12)
    m = rng.integers(0, 5, 80)
    counts = np.zeros((80, 4), int)
    unit, label = [], []
    for u in range(80):
        for _ in range(m[u]):
            unit.append(u)
            label.append(-1)
            for k in np.flatnonzero(rng.random(4) < 0.4):
                unit.append(u)
                label.append(int(k))
                counts[u, k] += 1
    values, given = binary_alphas(np.array(unit), np.array(label), 4)
    for k in range(4):
        assert values[k] == pytest.approx(krippendorff_alpha(np.column_stack([m - counts[:, k], counts[:, k]])))
        assert given[k] == counts[m >= 2, k].sum()


def test_pair_kappa_intervals_are_the_bootstrap_of_resampled_tasks() -> None:
    """Each annotator pair's Cohen's kappa intervals (unweighted, linear, quadratic) are the percentiles of
    scikit-learn's kappa on the tasks each replicate draws (with replacement, as the other intervals)."""
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(11)
    truth = rng.integers(1, 6, 60)
    rows = [[int(v) if coder == 0 or rng.random() > 0.15 else None  # every task rated: tasks are the units drawn
             for v in np.clip(truth + rng.integers(-1, 2, 60), 1, 5)] for coder in range(3)]
    seed, replicates, level = 5, 120, 0.9
    report = agreement_report(RATING_CONFIG, tasks_from_matrix(rows, rating_result), ci=level, seed=seed,
                              replicates=replicates)
    pairs = report["controls"][0]["pairs"]
    assert len(pairs) == 3
    draws = np.random.default_rng(seed).integers(0, 60, (replicates, 60))  # the replicates' tasks
    for pair in pairs:
        a, b = rows[pair["a"] - 1], rows[pair["b"] - 1]
        for name, weights in (("cohen_kappa", None), ("cohen_kappa_linear", "linear"),
                              ("cohen_kappa_quadratic", "quadratic")):
            values = []
            for drawn in draws:
                both = [u for u in drawn if a[u] is not None and b[u] is not None]
                values.append(cohen_kappa_score([a[u] for u in both], [b[u] for u in both], labels=[1, 2, 3, 4, 5],
                                                weights=weights))
            low, high = np.percentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
            interval = pair["intervals"][name]
            assert (interval["low"], interval["high"]) == pytest.approx((low, high), abs=1e-9), (pair, name)
            assert interval["low"] <= pair[name] <= interval["high"] and interval["replicates"] == replicates


def test_a_pull_whose_config_does_not_parse_still_reports_exit_0(offline, tmp_path) -> None:
    pulled = write_pull(tmp_path / "pull", "<View><Choices name=", tasks_from_matrix(KRIPPENDORFF_2011, rating_result))
    code, out, err = offline("agreement", pulled, "--json")
    assert code == 0 and "Traceback" not in err, err
    report = json.loads(out)
    assert report["summary"]["tasks"] == 12 and report["controls"] == []
    assert report["problems"][0].startswith("label config: it does not parse (")
    code, out, err = offline("agreement", pulled)
    assert code == 0 and "problem: label config: it does not parse" in out, err
