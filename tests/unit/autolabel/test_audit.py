"""The audit sample, the measured precision and the stop rule; the marker in a task's meta."""

from __future__ import annotations

from sdk_scripts.autolabel.audit import audit_sample, audit_status, current_round
from sdk_scripts.autolabel.marks import META_KEY, AutoMark, mark_of, with_mark, without_mark
from tests.support.autolabel import VERSION, review, sentiment, task


def marked(ident: int, label: str = "positive", *, audit: bool = True, round_: int = 1, target: float = 0.95,
           closed: bool = False) -> dict:
    mark = AutoMark(VERSION, 1000 + ident, 0.97, 0.9, target, audit, round_, sentiment(label), "t", closed)
    return task(ident, predicted=(label, 0.97), meta=with_mark({}, mark))


def test_the_marker_keeps_every_other_meta_key_and_reads_back() -> None:
    meta = {"labelops_gold": {"min_score": 0.7}, "labelops_overlap": {"base": 2}, "labelops_review_tasks": {}}
    mark = AutoMark(VERSION, 7, 0.97, 0.9, 0.95, True, 2, sentiment("positive"), "2026-12-01T00:00:00+00:00")
    written = with_mark(meta, mark)
    assert set(written) == {*meta, META_KEY} and meta == {"labelops_gold": {"min_score": 0.7},
                                                            "labelops_overlap": {"base": 2},
                                                            "labelops_review_tasks": {}}
    assert mark_of({"meta": written}) == mark
    assert without_mark(written) == meta
    assert mark_of({"meta": {META_KEY: {"score": "high"}}}) is None and mark_of({"meta": None}) is None


def test_the_sample_is_the_rounds_fraction_at_least_one_and_a_rerun_samples_nothing() -> None:
    first = audit_sample(range(1, 101), in_round=0, audited=0, fraction=0.05, seed=0)
    assert len(first) == 5
    assert audit_sample(range(1, 101), in_round=0, audited=0, fraction=0.05, seed=0) == first  # seeded
    assert audit_sample(range(1, 101), in_round=0, audited=0, fraction=0.05, seed=1) != first
    assert audit_sample([], in_round=100, audited=5, fraction=0.05, seed=0) == set()  # nothing new
    assert len(audit_sample([7], in_round=0, audited=0, fraction=0.05, seed=0)) == 1  # ceil: at least one
    # 20 more in a round of 100 with 5 audited: ceil(0.05 x 120) = 6, one more
    assert len(audit_sample(range(101, 121), in_round=100, audited=5, fraction=0.05, seed=0)) == 1
    assert audit_sample(range(10), in_round=0, audited=0, fraction=0.0, seed=0) == set()


def test_measured_precision_counts_decided_audits_and_no_clear_label_against() -> None:
    tasks = [marked(1), marked(2), marked(3), marked(4), marked(5, audit=False), marked(6)]
    reviews = {1: review(1, "positive"), 2: review(2, "negative", "corrected"), 3: review(3, None, "no clear label"),
               4: review(4, "positive", None),  # submitted without a decision: not decided
               5: review(5, "positive")}  # not in the sample
    status = audit_status(tasks, reviews)
    assert (status.round, status.labelled, status.sampled, status.undecided) == (1, 6, 5, 2)
    assert (status.precision.successes, status.precision.total) == (1, 3)
    assert status.stopped and "below the target: auto-labeling stopped" in status.describe()
    message = status.stop_message(status.labelled - status.precision.total)
    assert "measured precision 0.33 (95% CI" in message and "--reset-audit" in message and "round 2" in message
    assert "no auto-label was written" in message


def test_the_stop_rule_is_the_point_estimate_against_the_highest_target() -> None:
    tasks = [marked(i) for i in range(1, 21)]
    right = {i: review(i, "positive") for i in range(1, 20)}
    assert not audit_status(tasks, right).stopped  # 19 of 19, though the lower bound is 0.82
    nineteen_of_twenty = right | {20: review(20, "negative", "corrected")}
    assert audit_status(tasks, nineteen_of_twenty).precision.estimate == 0.95
    assert not audit_status(tasks, nineteen_of_twenty).stopped  # 0.95 is not below 0.95
    assert audit_status(tasks, nineteen_of_twenty, target=0.96).stopped  # the run's target, when higher
    assert not audit_status([marked(1)], {}).stopped  # nothing decided yet
    # a review the audit did not make (a disagreement pushed later) is not an audit decision
    assert audit_status([marked(1)], {1: review(1, "negative", "corrected", ("low agreement",))}).precision.total == 0


def test_rounds_a_reset_closes_the_open_one_and_the_next_run_starts_another() -> None:
    assert current_round([task(1)]) == 1
    assert current_round([marked(1, round_=2), marked(2, round_=1, closed=True)]) == 2
    assert current_round([marked(1, round_=2, closed=True)]) == 3
    old = [marked(i, round_=1, closed=True) for i in (1, 2)]  # round 1 stopped, then reset
    status = audit_status(old + [marked(3, round_=2)], {1: review(1, "negative", "corrected")})
    assert status.round == 2 and status.precision.total == 0 and not status.stopped
