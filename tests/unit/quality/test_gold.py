"""Gold tasks, pure parts: the file, the plan of an import, the evaluation and the policy, by hand-counted cases."""

from __future__ import annotations

import json

import pytest

from sdk_scripts.quality.gold_eval import evaluate_gold, excluded_annotators
from sdk_scripts.quality.gold_file import GoldRow, read_gold_file
from sdk_scripts.quality.gold_plan import GoldOptions, activation_target, plan_gold, resolve_rows
from sdk_scripts.quality.gold_render import gold_status_lines, render_gold
from sdk_scripts.quality.gold_tasks import META_KEY, GoldPolicy, policy_of
from tests.support.quality import CONFIG, annotation, gold_task, sentiment


def options(**changes) -> GoldOptions:
    return GoldOptions(**{"policy": GoldPolicy(0.8), "overlap": 5, "now": "2026-03-01T00:00:00+00:00", **changes})


# -- the file -------------------------------------------------------------------------------------------------------


def test_the_gold_file_reports_every_bad_line(tmp_path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join([
        json.dumps({"task": 1, "result": sentiment("positive")}),
        json.dumps({"data": {"text": "x"}, "result": sentiment("neutral")}),
        json.dumps({"task": 1, "data": {"text": "x"}, "result": []}),
        json.dumps({"task": True, "result": sentiment("positive")}),
        json.dumps({"task": 2, "result": [{"from_name": "confidence", "value": {"choices": ["probably"]}}]}),
        "{not json",
    ]) + "\n")
    rows, problems = read_gold_file(path)
    assert [(r.line, r.task, r.data) for r in rows] == [(1, 1, None), (2, None, {"text": "x"})]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in (3, 4, 5, 6)]
    assert "one of task or data" in problems[0] and "no label region" in problems[2]


def test_rows_resolve_by_id_or_data_and_name_what_is_not_in_the_project() -> None:
    tasks = [{"id": 1, "data": {"text": "a"}}, {"id": 2, "data": {"text": "b"}}, {"id": 3, "data": {"text": "b"}}]
    rows = [GoldRow(1, 1, None, sentiment("positive")), GoldRow(2, None, {"text": "a"}, sentiment("positive")),
            GoldRow(3, None, {"text": "b"}, sentiment("neutral")), GoldRow(4, 7, None, sentiment("neutral")),
            GoldRow(5, None, {"text": "zzz"}, sentiment("neutral")), GoldRow(6, 1, None, sentiment("negative"))]
    found, problems = resolve_rows(rows, tasks, "g")
    assert {task: row.line for task, row in found.items()} == {1: 1}
    assert problems == ["g:3: its data matches 2 tasks (2, 3); name the task by id",
                        "g:4: task 7 is not in the project", "g:5: the task with this data is not in the project",
                        "g:6: task 1 already has another answer (line 1)"]


# -- the plan -------------------------------------------------------------------------------------------------------


def test_a_plan_raises_overlap_marks_the_task_and_creates_the_ground_truth_once() -> None:
    task = {"id": 1, "data": {"text": "a"}, "overlap": 2, "is_labeled": True, "meta": {"source": "crm"},
            "annotations": [annotation(11, 1, "positive"), annotation(12, 2, "neutral")]}
    plan, problems = plan_gold(CONFIG, {"annotator_evaluation_enabled": False}, [task],
                               [GoldRow(1, 1, None, sentiment("positive"))], options(), "g")
    assert problems == [] and plan.enable_evaluation and plan.waiting == 0
    (write,) = plan.writes
    assert write.annotation == "create" and write.fields == {
        "overlap": 5, "is_labeled": False,
        "meta": {"source": "crm", META_KEY: {"since": "2026-03-01T00:00:00+00:00", "min_score": 0.8, "min_tasks": 1}}}
    # applied as Label Studio would store it: a rerun (later) writes nothing
    done = {**task, **write.fields, "annotations": task["annotations"] + [
        {"id": 13, "completed_by": 99, "ground_truth": True, "result": sentiment("positive")}]}
    again, _ = plan_gold(CONFIG, {"annotator_evaluation_enabled": True}, [done],
                         [GoldRow(1, 1, None, sentiment("positive"))], options(now="2026-04-01T00:00:00+00:00"), "g")
    assert [(w.annotation, w.fields) for w in again.writes] == [("keep", {})] and not again.enable_evaluation


def test_a_different_ground_truth_is_a_conflict_unless_replace() -> None:
    task = {"id": 1, "data": {}, "overlap": 5, "is_labeled": False, "meta": {},
            "annotations": [annotation(11, 99, "negative", truth=True)]}
    row = [GoldRow(1, 1, None, sentiment("positive"))]
    plan, problems = plan_gold(CONFIG, {}, [task], row, options(), "g")
    assert problems == ["g:1: task 1 already has a different ground truth (annotation 11); --replace overwrites it"]
    plan, problems = plan_gold(CONFIG, {}, [task], row, options(replace=True), "g")
    assert problems == [] and (plan.writes[0].annotation, plan.writes[0].replaces) == ("replace", 11)


def test_answers_the_config_does_not_accept_are_problems() -> None:
    tasks = [{"id": 1, "data": {}}, {"id": 2, "data": {}}]
    rows = [GoldRow(1, 1, None, sentiment("ecstatic")),
            GoldRow(2, 2, None, [{"from_name": "mood", "to_name": "text", "type": "choices",
                                  "value": {"choices": ["x"]}}])]
    _, problems = plan_gold(CONFIG, {}, tasks, rows, options(), "g")
    assert problems[0].startswith("g:1: sentiment: ") and "ecstatic" in problems[0]
    assert problems[1] == "g:2: no control named mood in the labeling config"


@pytest.mark.parametrize(("onboarding", "rate", "busiest", "expected"), [
    (None, None, 50, 10),  # everything at once
    (3, None, 50, 3),
    (None, 0.1, 0, 0),  # continuous only: nothing before anyone has worked
    (2, 0.1, 18, 4),  # 2 + ceil(0.1 / 0.9 x 18) = 2 + 2
    (2, 0.2, 9, 5),  # 2 + ceil(0.25 x 9) = 2 + 3
    (2, 0.5, 100, 10),  # at most the file
])
def test_rows_become_gold_at_the_rate_of_the_busiest_annotator(onboarding, rate, busiest, expected) -> None:
    assert activation_target(options(onboarding=onboarding, rate=rate), 10, busiest) == expected


def test_the_rate_adds_gold_rows_in_file_order_as_annotators_progress() -> None:
    done = [{"id": 10 + k, "data": {}, "annotations": [annotation(100 + k, 1, "positive")]} for k in range(9)]
    gold = [{"id": k, "data": {}, "overlap": 1, "annotations": []} for k in (1, 2, 3, 4)]
    rows = [GoldRow(n, task, None, sentiment("neutral")) for n, task in enumerate((4, 3, 2, 1), start=1)]
    plan, _ = plan_gold(CONFIG, {}, gold + done, rows, options(onboarding=1, rate=0.1), "g")
    # 1 + ceil(0.1 / 0.9 x 9) = 2 rows: the file's first two
    assert [w.task for w in plan.writes] == [4, 3] and plan.waiting == 2


# -- evaluation ---------------------------------------------------------------------------------------------------


def gold_project() -> list[dict]:
    """Three gold tasks; annotator 1 right on all, annotator 2 right on one (the second week wrong), and a task with
    ground truth that is not gold (a review's decision), where annotator 2 is right."""
    return [
        gold_task(1, "positive", {1: "positive", 2: "positive"}),
        gold_task(2, "negative", {1: "negative", 2: "neutral"}, weeks={2: "2026-03-10T10:00:00Z"}),
        gold_task(3, "neutral", {1: "neutral", 2: "negative"}, weeks={2: "2026-03-10T10:00:00Z"}),
        {"id": 4, "data": {}, "annotations": [annotation(40, 99, "neutral", truth=True),
                                              annotation(41, 2, "neutral")]},
    ]


def test_gold_accuracy_per_annotator_week_and_label_by_hand() -> None:
    report = evaluate_gold(CONFIG, gold_project(), {1: "a@x", 2: "b@x"})
    assert report.gold_tasks == 3 and report.policy == GoldPolicy(0.6, 2)
    bad, good = report.annotators  # lowest accuracy first
    assert (bad.name, bad.gold_tasks, bad.overall.answers, bad.accuracy) == ("b@x", 3, 3, pytest.approx(1 / 3))
    assert {w: (f.answers, f.accuracy) for w, f in bad.weeks.items()} == {"2026-W10": (1, 1.0), "2026-W11": (2, 0.0)}
    assert {k: (f.answers, f.accuracy) for k, f in bad.labels.items()} == {
        "sentiment: positive": (1, 1.0), "sentiment: negative": (1, 0.0), "sentiment: neutral": (1, 0.0)}
    assert bad.flagged == "gold accuracy 0.33 < 0.60 on 3 gold tasks"
    assert (good.accuracy, good.flagged) == (1.0, None)
    assert report.excluded == {2: "gold accuracy 0.33 < 0.60 on 3 gold tasks"}
    assert excluded_annotators(CONFIG, gold_project()) == report.excluded
    assert evaluate_gold(CONFIG, gold_project(), policy=GoldPolicy(0.6, 4)).excluded == {}  # too few gold tasks yet
    text = render_gold(report)
    assert "3 gold tasks; minimum score 0.60 once an annotator has 2 gold tasks" in text
    assert "b@x        3           3        0.333     gold accuracy 0.33 < 0.60 on 3 gold tasks" in text


def test_without_a_minimum_score_nobody_is_excluded_and_status_says_so() -> None:
    tasks = [gold_task(1, "positive", {2: "negative"}, policy=GoldPolicy())]
    assert excluded_annotators(CONFIG, tasks) == {}
    report = evaluate_gold(CONFIG, tasks)
    assert report.annotators[0].accuracy == 0.0 and report.annotators[0].flagged is None
    assert gold_status_lines(report, True) == [
        "gold         1 gold tasks, served first (annotator evaluation on); no minimum score: nobody is flagged "
        "(gold import --min-score sets one)"]
    assert gold_status_lines(evaluate_gold(CONFIG, []), False) == ["gold         no gold tasks (labelops gold import)"]


def test_the_policy_is_the_one_most_gold_tasks_carry() -> None:
    tasks = [gold_task(k, "positive", {}, policy=GoldPolicy(0.9 if k == 3 else 0.7, 2)) for k in (1, 2, 3)]
    assert policy_of(tasks) == GoldPolicy(0.7, 2) and policy_of([]) == GoldPolicy()
    assert GoldPolicy(0.7, 2).reason(0.5, 1) is None and GoldPolicy(0.7, 2).reason(0.7, 5) is None


class FakeClient:
    """The calls `import_gold` makes, recorded; the project and its tasks as Label Studio would answer."""

    url = "http://ls"

    def __init__(self, tasks: list[dict]) -> None:
        self.tasks, self.calls = tasks, []

    def project(self, ref):
        return {"id": 5, "title": "p", "label_config": CONFIG, "maximum_annotations": 2,
                "annotator_evaluation_enabled": False}

    def iter_tasks(self, project_id):
        return iter(self.tasks)

    def user_emails(self):
        return {1: "a@x", 2: "b@x", 3: "c@x"}

    def update_task(self, task_id, **fields):
        self.calls.append(("task", task_id, sorted(fields)))

    def create_annotation(self, task_id, result, **fields):
        self.calls.append(("ground truth", task_id, fields))

    def update_project(self, project_id, **fields):
        self.calls.append(("project", project_id, fields))


def test_import_writes_task_fields_before_the_ground_truth_and_nothing_on_a_problem(tmp_path) -> None:
    from sdk_scripts.errors import LabelopsError
    from sdk_scripts.quality.gold_import import import_gold

    tasks = [{"id": k, "data": {"text": f"t{k}"}, "overlap": 2, "is_labeled": False, "annotations": []}
             for k in (1, 2)]
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"task": 1, "result": sentiment("positive")}) + "\n"
                    + json.dumps({"task": 9, "result": sentiment("neutral")}) + "\n")
    client = FakeClient(tasks)
    with pytest.raises(LabelopsError, match="the gold file has a problem; nothing was written") as raised:
        import_gold(client, 5, path, min_score=0.7)
    assert f"{path}:2: task 9 is not in the project" in str(raised.value) and client.calls == []
    path.write_text(json.dumps({"data": {"text": "t2"}, "result": sentiment("neutral")}) + "\n")
    assert import_gold(client, 5, path, dry_run=True).created == 1 and client.calls == []
    result = import_gold(client, 5, path, min_score=0.7)
    assert client.calls == [("task", 2, ["meta", "overlap"]), ("ground truth", 2, {"ground_truth": True}),
                            ("project", 5, {"annotator_evaluation_enabled": True})]
    assert (result.created, result.overlap, result.evaluation_enabled) == (1, 4, True)
    assert result.summary().startswith("project 5 'p': 1 gold tasks served first (1 ground truths created")
