"""Label Studio's own buttons, through Label Studio: the version list, Start Training, Retrieve Predictions;
and the predictions of versions that are no longer kept leaving Label Studio.

Everything is requested from Label Studio's API (what its UI calls), never from the backend directly:
`GET /api/ml/{id}/versions` (the model-version list), `POST /api/ml/{id}/train` ("Start Training" on
the model page), the Data Manager action `retrieve_tasks_predictions` ("Retrieve Predictions").
"""

from __future__ import annotations

import time

import httpx
import pytest

from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.ml_backend_link import connect_backend
from tests.support.backends import wait_for_runs
from tests.support.labelstudio import auth_headers, unique_title
from tests.support.projects import ROUTE, ROUTING_CONFIG, routing_data

KEEP = 2


@pytest.fixture(scope="module")
def backend(label_studio, tmp_path_factory):
    root = tmp_path_factory.mktemp("buttons-backend")
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.admin_token,
           "LABELOPS_CACHE_DIR": str(root / "cache"), "YOLO_CONFIG_DIR": str(root / "ultralytics"),
           "MODEL_DIR": str(root / "models"), "TRAIN_MIN_ANNOTATIONS": "1000", "KEEP_VERSIONS": str(KEEP)}
    server = LocalBackend(env=env, log_path=root / "backend.log").start()
    yield server
    server.stop()


def _ls(label_studio, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{label_studio.url}{path}", headers=auth_headers(label_studio.url,
                                                                                  label_studio.admin_token),
                         timeout=120, **kwargs)


def _start_training(label_studio, backend_id: int) -> dict:
    """"Start Training": Label Studio posts START_TRAINING to the backend; the row says whether it got through."""
    resp = _ls(label_studio, "POST", f"/api/ml/{backend_id}/train", json={})
    assert resp.status_code == 200, resp.text
    # Label Studio on SQLite can answer 500 ("database is locked") while the run it just started writes
    # predictions; read the row again rather than mistake that for the backend's answer
    for _ in range(20):
        answer = _ls(label_studio, "GET", f"/api/ml/{backend_id}")
        if answer.status_code < 500:
            break
        time.sleep(0.5)
    assert answer.status_code == 200, (answer.status_code, answer.text[:500])
    row = answer.json()
    assert row["state"] != "ER" and not row.get("error_message"), row
    return row


def _versions_in_tasks(ls_client, pid: int) -> dict[int, list[str]]:
    return {t["id"]: sorted(p["model_version"] for p in t.get("predictions") or [])
            for t in ls_client.iter_tasks(pid)}


def test_start_training_versions_and_retrieve_predictions_through_label_studio(
        label_studio, ls_client, backend, annotators) -> None:
    pool, _ = routing_data()
    by_label = [[r for r in pool if r["label"] == label] for label in sorted(ROUTE.values())]
    rows = [r for trio in zip(*by_label, strict=False) for r in trio][:18]
    truth = {r["text"]: r["label"] for r in rows}
    pid = ls_client.create_project(title=unique_title("buttons"), label_config=ROUTING_CONFIG,
                                   sampling="Uncertainty sampling")["id"]
    ls_client.import_tasks(pid, [{"text": r["text"]} for r in rows])
    connected = connect_backend(ls_client, pid, backend.url, train_every=0)
    zero_shot = connected.model_version
    # "Start model training on annotation submission" is off, as asked: only the button trains
    assert ls_client.project(pid)["start_training_on_annotation_update"] is False

    # Retrieve Predictions (Data Manager action) on every task: stored under the served version
    answer = _ls(label_studio, "POST", "/api/dm/actions", params={"id": "retrieve_tasks_predictions",
                                                                  "project": pid},
                 json={"selectedItems": {"all": True, "excluded": []}})
    assert answer.status_code == 200, answer.text
    assert all(v == [zero_shot] for v in _versions_in_tasks(ls_client, pid).values())

    # annotations by an annotator, then Start Training from Label Studio, three times
    tasks = list(ls_client.iter_tasks(pid))
    annotated_at: dict[int, str] = {}
    versions = []
    for round_number in range(3):
        for task in tasks[round_number * 3:(round_number + 1) * 3]:
            label = truth[task["data"]["text"]]
            resp = httpx.post(f"{label_studio.url}/api/tasks/{task['id']}/annotations/",
                              headers=auth_headers(label_studio.url, annotators[0].token), timeout=60,
                              json={"result": [{"from_name": "queue", "to_name": "text", "type": "choices",
                                                "value": {"choices": [label]}}]})
            assert resp.status_code == 201, resp.text
            annotated_at[task["id"]] = ls_client.project(pid)["model_version"]
        if round_number == 2:  # the run about to start prunes v1: what annotations were made against keeps its id
            made_against_v1 = {t["id"]: [p["id"] for p in t.get("predictions") or []
                                         if p["model_version"] == versions[0]]
                               for t in ls_client.iter_tasks(pid) if annotated_at.get(t["id"]) == versions[0]}
            v1_before = ls_client.model_versions(pid)[versions[0]]
        _start_training(label_studio, connected.backend_id)
        history = wait_for_runs(backend.url, pid, round_number + 1)
        assert history[-1]["event"] == "trained", history
        versions.append(history[-1]["model_version"])
        # Label Studio follows the served version: the project (stream, sampling) and the model page's row
        assert ls_client.project(pid)["model_version"] == versions[-1]
        [row] = ls_client.ml_backends(pid)
        assert row["title"] == versions[-1]

    # the version list Label Studio shows comes from GET /versions: the kept versions, served first
    listed = _ls(label_studio, "GET", f"/api/ml/{connected.backend_id}/versions")
    assert listed.status_code == 200, listed.text
    assert listed.json()["versions"] == [versions[2], versions[1]]

    # pruning: v1 left KEEP_VERSIONS; its predictions are gone from every unlabeled task, and on
    # annotated tasks only the one each annotation was made against stays
    by_task = _versions_in_tasks(ls_client, pid)
    dropped = versions[0]
    for task_id, names in by_task.items():
        if task_id not in annotated_at:
            assert dropped not in names, (task_id, names)
        else:
            assert names.count(dropped) == (1 if annotated_at[task_id] == dropped else 0), (task_id, names)
    counts = ls_client.model_versions(pid)
    kept_on_annotated = sum(1 for v in annotated_at.values() if v == dropped)
    assert counts.get(dropped, 0) == kept_on_annotated
    assert counts[versions[2]] == len(by_task) - len(annotated_at)
    history = wait_for_runs(backend.url, pid, 3)
    assert history[-1]["pruned"]["versions"] == [dropped]
    assert history[-1]["pruned"]["kept"] == {dropped: kept_on_annotated} and kept_on_annotated == 3
    # Label Studio's count of what the one-request delete removed: every v1 prediction but the kept three
    assert history[-1]["pruned"]["deleted"] == v1_before - kept_on_annotated > 0
    for task_id, ids in made_against_v1.items():  # set aside while v1 went in one request, then named back
        assert [p["id"] for p in ls_client.task(task_id)["predictions"] if p["model_version"] == dropped] == ids

    # Retrieve Predictions after training stores the current version
    unlabeled = [t for t in by_task if t not in annotated_at][:2]
    for task_id in unlabeled:
        ls_client.delete_prediction(next(p["id"] for p in ls_client.task(task_id)["predictions"]
                                         if p["model_version"] == versions[2]))
    before = time.time()
    answer = _ls(label_studio, "POST", "/api/dm/actions", params={"id": "retrieve_tasks_predictions",
                                                                  "project": pid},
                 json={"selectedItems": {"all": False, "included": unlabeled}})
    assert answer.status_code == 200, answer.text
    for task_id in unlabeled:
        names = [p["model_version"] for p in ls_client.task(task_id)["predictions"]]
        assert versions[2] in names, (names, time.time() - before)


def test_al_status_counts_predictions_per_version(label_studio, ls_client, backend, run_cli) -> None:
    pid = ls_client.create_project(title=unique_title("status counts"), label_config=ROUTING_CONFIG)["id"]
    ids = ls_client.import_tasks(pid, [{"text": f"text number {i}"} for i in range(3)])
    connect_backend(ls_client, pid, backend.url)
    ls_client.import_predictions(pid, [{"task": i, "result": [], "score": 0.5, "model_version": "someone-else"}
                                       for i in ids[:2]])
    result = run_cli("al", "status", pid, "--backend", backend.url)
    assert result.code == 0, result.err
    assert "someone-else: 2 predictions" in result.out, result.out


def test_label_studio_predicts_when_an_annotator_opens_a_task(label_studio, ls_client, backend, annotators) -> None:
    """"Retrieve predictions when a task loads": Label Studio calls /predict itself as the task is served."""
    pid = ls_client.create_project(title=unique_title("predict on load"), label_config=ROUTING_CONFIG)["id"]
    [task_id] = ls_client.import_tasks(pid, [{"text": "I am furious, this is the third time it broke."}])
    connected = connect_backend(ls_client, pid, backend.url, predict_on_load=True)
    assert ls_client.model_versions(pid).get(connected.model_version, 0) == 0  # nothing predicted yet
    served = httpx.get(f"{label_studio.url}/api/projects/{pid}/next", timeout=120,
                       headers=auth_headers(label_studio.url, annotators[1].token))
    assert served.status_code == 200, served.text
    assert ls_client.model_versions(pid)[connected.model_version] == 1  # Label Studio asked the backend
    [prediction] = ls_client.task(task_id)["predictions"]
    assert prediction["model_version"] == connected.model_version
    assert [r["from_name"] for r in prediction["result"]] == ["queue"]


def test_every_version_reaches_label_studio_even_with_nothing_left_to_label(label_studio, ls_client, backend) -> None:
    pool, _ = routing_data()
    rows = [r for r in pool if r["label"] == "route-1"][:2] + [r for r in pool if r["label"] == "route-2"][:2]
    pid = ls_client.create_project(title=unique_title("all labelled"), label_config=ROUTING_CONFIG)["id"]
    ids = ls_client.import_tasks(pid, [{"text": r["text"]} for r in rows])
    connected = connect_backend(ls_client, pid, backend.url)
    # the model page's toggle says what the backend does: Label Studio starts training every
    # TRAIN_MIN_ANNOTATIONS annotations (1000 for this backend)
    project = ls_client.project(pid)
    assert project["start_training_on_annotation_update"] is True
    assert project["min_annotations_to_start_training"] == 1000
    for task_id, row in zip(ids, rows, strict=True):
        ls_client.create_annotation(task_id, [{"from_name": "queue", "to_name": "text", "type": "choices",
                                               "value": {"choices": [row["label"]]}}])
    _start_training(label_studio, connected.backend_id)
    run = wait_for_runs(backend.url, pid, 1)[-1]
    assert run["event"] == "trained" and run["predicted"] == 0  # nothing unlabeled to predict
    assert ls_client.project(pid)["model_version"] == run["model_version"]
    assert [r["title"] for r in ls_client.ml_backends(pid)] == [run["model_version"]]
