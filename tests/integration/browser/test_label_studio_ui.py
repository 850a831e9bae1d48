"""What annotators and reviewers see: stock Label Studio's UI in a real browser, filled by labelops.

One story on the session's Label Studio, in order: an annotator logs in through the form and the labeling
stream pre-fills their task with the served version's prediction; they answer with confidence, flag and
comment through the UI; a reviewer sees every annotator's answer side by side, named, none pre-selected,
loads one from its named tab and decides; `labelops review pull` puts the decision on the source task as
ground truth; the admin presses "Start Training" (model page) and "Retrieve Predictions" (Data Manager).
Each step leaves a screenshot in test-results/browser/.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.sync_api import expect

from sdk_scripts.demo.loop import samples_dir
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.labelstudio.backend_api import backend_al_status
from sdk_scripts.ml_backend_link import connect_backend
from sdk_scripts.preannotate import preannotate
from sdk_scripts.project_setup import apply_spec
from sdk_scripts.project_spec import load_spec
from sdk_scripts.task_import import import_task_file
from tests.support.labelstudio import annotator_sdk, unique_title
from tests.support.lsui import (
    add_text,
    checked,
    choice,
    close_instructions,
    label_all_tasks,
    open_data_manager,
    submit,
    tab,
    tab_names,
)

EMOTIONS = ["joy", "sadness", "anger", "fear", "neutral"]
COMMENT = "Reads as anger to me, but it may be sarcasm."


@dataclass
class Story:
    """What the steps share: the project, its backend, and what each step left for the next."""

    project_id: int
    backend: LocalBackend
    backend_id: int
    reviewer_email: str
    annotated_task: int | None = None
    review_project_id: int | None = None
    review_task_id: int | None = None
    done: set[str] = field(default_factory=set)


def _result(emotion: str, confidence: str) -> list[dict]:
    return [{"from_name": "emotion", "to_name": "text", "type": "choices", "value": {"choices": [emotion]}},
            {"from_name": "confidence", "to_name": "text", "type": "choices", "value": {"choices": [confidence]}}]


def _choices(result: list[dict], control: str) -> list[str]:
    return [c for r in result if r["from_name"] == control for c in r["value"].get("choices", [])]


@pytest.fixture(scope="module")
def story(label_studio, ls_client, tmp_path_factory) -> Story:
    """A 3-annotator emotion project made by `project create`'s code, with the backend connected and every task
    pre-annotated by the version it serves; training only when someone presses Start Training."""
    root = tmp_path_factory.mktemp("browser-story")
    spec = root / "spec.yaml"
    spec.write_text(f"title: {unique_title('Browser')}\nconfig: text_emotion\nlabels:\n  emotion: {EMOTIONS}\n"
                    "annotators_per_task: 3\nsampling: uncertainty\n")
    project = apply_spec(ls_client, load_spec(spec)).project
    tasks = root / "tasks.jsonl"
    tasks.write_text("".join(line + "\n" for line in
                             (samples_dir() / "emotion_tasks.jsonl").read_text().splitlines()[:6]))
    import_task_file(ls_client, project["id"], tasks)
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
           "LABELOPS_CACHE_DIR": str(root / "cache"), "MODEL_DIR": str(root / "models"),
           "TRAIN_MIN_ANNOTATIONS": "1000"}
    backend = LocalBackend(env=env, log_path=root / "backend.log").start()
    connected = connect_backend(ls_client, project["id"], backend.url)
    preannotate(ls_client, project["id"], backend_url=backend.url, progress=False)
    [reviewer] = label_studio.create_annotators(["reviewer@labelops.test"])
    yield Story(project["id"], backend, connected.backend_id, reviewer.email)
    backend.stop()


def test_annotator_stream_is_prefilled_by_the_served_version_and_takes_the_quality_fields(
        story, label_studio, ls_client, annotators, logged_in, shot) -> None:
    pid = story.project_id
    page = logged_in(annotators[0].email, annotators[0].password)
    open_data_manager(page, label_studio.url, pid)
    # project create's Data Manager tab: labelops' key hidden, the score uncertainty sampling serves by shown
    expect(page.get_by_text("Prediction score", exact=True)).to_be_visible()
    expect(page.get_by_text("labelops_key")).to_have_count(0)
    shot(page, "00-annotator-data-manager")

    task_id = label_all_tasks(page, label_studio.url, pid)
    close_instructions(page, timeout=1_000)
    served = ls_client.project(pid)["model_version"]
    [prediction] = [p for p in ls_client.task(task_id)["predictions"] if p["model_version"] == served]
    predicted = _choices(prediction["result"], "emotion")
    assert predicted, prediction
    for emotion in EMOTIONS:
        expect(choice(page, emotion)).to_be_checked(checked=emotion in predicted)
    shot(page, "01-annotator-stream-prefilled")

    for emotion in predicted:
        choice(page, emotion).uncheck()
    choice(page, "anger").check()
    choice(page, "might be").check()
    choice(page, "ambiguous").check()
    add_text(page, "comment", COMMENT)
    shot(page, "02-annotator-answer")
    stored = submit(page, task_id)["result"]
    assert _choices(stored, "emotion") == ["anger"] and _choices(stored, "confidence") == ["might be"]
    assert _choices(stored, "flag") == ["ambiguous"]
    assert [r["value"]["text"] for r in stored if r["from_name"] == "comment"] == [[COMMENT]]
    story.annotated_task = task_id


def test_reviewer_sees_every_version_named_and_decides(story, label_studio, ls_client, annotators, logged_in,
                                                      run_cli, shot) -> None:
    assert story.annotated_task, "needs the annotator's step (the test above) to have run"
    task_id = story.annotated_task
    annotator_sdk(label_studio, annotators[1]).annotations.create(task_id, result=_result("joy", "definitely"))
    annotator_sdk(label_studio, annotators[2]).annotations.create(task_id, result=_result("sadness", "probably"))
    pushed = run_cli("review", "push", story.project_id, "--qa-sample", "0")
    assert pushed.code == 0, pushed.err
    [review_project] = ls_client.projects_titled(f"{ls_client.project(story.project_id)['title']} [review]")
    [review_task] = list(ls_client.iter_tasks(review_project["id"]))
    story.review_project_id, story.review_task_id = review_project["id"], review_task["id"]

    page = logged_in(story.reviewer_email, label_studio.credentials.password)  # invited with the demo's password
    served = label_all_tasks(page, label_studio.url, review_project["id"])
    assert served == review_task["id"]
    assert close_instructions(page), "the review project shows its instructions"
    table = page.locator(".ant-table-tbody")
    expect(table.locator("tr")).to_have_count(3)
    rows = [r.strip() for r in table.locator("tr").all_inner_texts()]
    for row, annotator, answer in zip(rows, annotators, ("anger", "joy", "sadness"), strict=True):
        assert annotator.email in row and f"emotion: {answer}" in row, row
    assert "might be" in rows[0] and "ambiguous" in rows[0] and COMMENT in rows[0]
    assert "definitely" in rows[1] and "probably" in rows[2]
    assert checked(page, EMOTIONS) == []  # they disagree: nobody's answer is pre-selected
    shot(page, "03-review-stream-all-versions")

    # the task view: one tab per annotator, titled by their name (here the email's local part), and one
    # of them loaded as the starting point (Duplicate Annotation in its menu)
    page.goto(f"{label_studio.url}/projects/{review_project['id']}/data?task={review_task['id']}")
    names = tab_names(page)
    assert {"annotator1", "annotator2", "annotator3", "consensus"} <= set(names), names
    shot(page, "04-review-task-view-named-tabs")
    second = tab(page, "annotator2")
    second.click()
    expect(choice(page, "joy")).to_be_checked()
    second.hover()
    second.locator(".lsf-annotation-button__trigger").click()
    page.get_by_text("Duplicate Annotation", exact=True).click()
    expect(choice(page, "joy")).to_be_checked()
    choice(page, "accept one version").check()
    add_text(page, "review_reason", "Joy fits: the text celebrates.")
    shot(page, "05-review-decision")
    stored = submit(page, review_task["id"])["result"]
    assert _choices(stored, "emotion") == ["joy"] and _choices(stored, "review_decision") == ["accept one version"]


def test_review_pull_puts_the_decision_on_the_source_task_as_ground_truth(story, label_studio, ls_client, run_cli,
                                                                          logged_in, shot, tmp_path) -> None:
    assert story.review_task_id, "needs the reviewer's step (the test above) to have run"
    pulled = run_cli("review", "pull", story.project_id, "--out", tmp_path / "pulled")
    assert pulled.code == 0, pulled.err
    assert "ground truth written to 1 tasks" in pulled.out, pulled.out
    truths = [a for a in ls_client.task(story.annotated_task)["annotations"] if a["ground_truth"]]
    assert [_choices(a["result"], "emotion") for a in truths] == [["joy"]]

    page = logged_in(label_studio.credentials.username, label_studio.credentials.password)
    page.goto(f"{label_studio.url}/projects/{story.project_id}/data?task={story.annotated_task}")
    tab_names(page)
    expect(page.locator(".lsf-annotation-button__icon_groundTruth")).to_have_count(1)
    shot(page, "06-source-task-ground-truth")


def _wait_for_version(url: str, project_id: int, other_than: str, timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = backend_al_status(url, project_id)
        if status.get("model_version") != other_than and not status["training"].get("running"):
            return str(status["model_version"])
        time.sleep(0.5)
    raise AssertionError(f"the backend still serves {other_than} after {timeout} s: {json.dumps(status)[:500]}")


def test_start_training_and_retrieve_predictions_through_the_ui(story, label_studio, ls_client, annotators,
                                                                logged_in, shot) -> None:
    pid = story.project_id
    # a few more answers, so that training has something of every kind to learn from
    labelled = {t["id"] for t in ls_client.iter_tasks(pid) if t.get("annotations")}
    others = [t["id"] for t in ls_client.iter_tasks(pid) if t["id"] not in labelled]
    for task_id, emotion in zip(others[:3], ("fear", "neutral", "joy"), strict=False):
        annotator_sdk(label_studio, annotators[1]).annotations.create(task_id, result=_result(emotion, "probably"))
    before = ls_client.project(pid)["model_version"]

    page = logged_in(label_studio.credentials.username, label_studio.credentials.password)
    page.goto(f"{label_studio.url}/projects/{pid}/settings/ml")
    page.get_by_role("button", name="Machine learning model options").click()
    page.get_by_text("Start Training", exact=True).click()
    page.get_by_role("button", name="Start Training").click()
    expect(page.get_by_text("Request Sent!")).to_be_visible()
    shot(page, "07-start-training")
    served = _wait_for_version(story.backend.url, pid, before)
    assert ls_client.project(pid)["model_version"] == served
    page.reload()
    expect(page.get_by_text(served, exact=True).first).to_be_visible()  # the backend row is titled by it
    shot(page, "08-model-page-after-training")

    # Retrieve Predictions on every task: Label Studio asks the backend for those without a prediction of the
    # served version, here two unlabeled tasks whose prediction is removed first
    unlabeled = [t for t in ls_client.iter_tasks(pid) if not t.get("annotations")][:2]
    assert unlabeled
    for task in unlabeled:
        for prediction in task["predictions"]:
            if prediction["model_version"] == served:
                ls_client.delete_prediction(prediction["id"])
    open_data_manager(page, label_studio.url, pid)
    page.get_by_label("Select all rows").check()
    page.get_by_role("button", name="Actions").click()
    page.get_by_text("Retrieve Predictions", exact=True).click()
    with page.expect_response(lambda r: r.request.method == "POST" and "/api/dm/actions" in r.url
                              and "id=retrieve_tasks_predictions" in r.url) as answer:
        page.get_by_role("button", name=re.compile(r"^(OK|Ok|Confirm)$")).click()
    assert answer.value.ok, answer.value.text()
    shot(page, "09-retrieve-predictions")
    for task in unlabeled:
        versions = [p["model_version"] for p in ls_client.task(task["id"])["predictions"]]
        assert served in versions, versions
    assert httpx.get(f"{story.backend.url}/health", timeout=30).status_code == 200


def test_report_reads_at_1280_px_and_its_task_links_open_in_label_studio(story, label_studio, ls_client, run_cli,
                                                                          logged_in, shot, tmp_path) -> None:
    assert story.annotated_task, "needs the annotator's step (the first test) to have run"
    made = run_cli("report", story.project_id, "--out", tmp_path / "report.html")
    assert made.code == 0, made.err
    page = logged_in(label_studio.credentials.username, label_studio.credentials.password)
    page.goto((tmp_path / "report.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing wider than the window
    for caption in page.locator("figcaption").all():  # chart titles are text, never cut
        assert caption.evaluate("e => e.scrollWidth <= e.clientWidth"), caption.inner_text()
    shot(page, "10-report-at-1280", full_page=True)
    link = page.get_by_role("link", name=f"task {story.annotated_task}", exact=True)
    expect(link).to_have_attribute("href", f"{label_studio.url}/projects/{story.project_id}/data"
                                           f"?task={story.annotated_task}")
    link.click()
    page.wait_for_url(f"**/projects/{story.project_id}/data?task={story.annotated_task}*")
    tab_names(page)  # the task view opened, with its annotation tabs
    text = ls_client.task(story.annotated_task)["data"]["text"]
    expect(page.locator(".lsf-main-view").get_by_text(text, exact=True).first).to_be_visible()
