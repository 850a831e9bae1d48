"""Bulk pre-annotation: run a project's tasks through the ML backend (HTTP or in-process), store predictions in bulk.

Resumable: a task that already holds a prediction of the current model version is skipped, so a
second run adds nothing. Batches of `batch_size` tasks go to the backend with at most `concurrency`
requests in flight; every batch's predictions are written with one import request.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tqdm import tqdm

from sdk_scripts.labelstudio.backend_api import Auth, backend_auth, backend_predict, backend_setup
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.project_ids import project_uid

Predictor = Callable[[list[dict]], list[dict]]


@dataclass
class PreannotateResult:
    model_version: str
    predicted: int = 0
    skipped_existing: int = 0
    skipped_labeled: int = 0
    empty: int = 0


def pending_tasks(client: LabelStudioClient, project_id: int, result: PreannotateResult,
                  only_unlabeled: bool = False) -> list[dict]:
    """The project's tasks (listed once) still lacking a prediction of `result.model_version`, as {id, data};
    the ones left out are counted in `result` (already predicted, or labeled with `only_unlabeled`)."""
    todo: list[dict] = []
    for task in client.iter_tasks(project_id):
        if any(p.get("model_version") == result.model_version for p in task.get("predictions") or []):
            result.skipped_existing += 1
        elif only_unlabeled and (task.get("total_annotations") or task.get("annotations")):
            result.skipped_labeled += 1
        else:
            todo.append({"id": task["id"], "data": task["data"]})
    return todo


def prediction_row(task_id: int, result: list[dict], score: float | None, model_version: str) -> dict:
    """One prediction as Label Studio's bulk import takes it."""
    return {"task": task_id, "result": result, "score": score, "model_version": model_version}


def preannotate(client: LabelStudioClient, project_id: int, backend_url: str | None = None, batch_size: int = 16,
                only_unlabeled: bool = False, concurrency: int = 2, progress: bool = True, *,
                in_process: Callable[[str], tuple[str, Predictor]] | None = None,
                auth: Auth | None = None) -> PreannotateResult:
    """Predict every task still lacking a prediction of the current model version; returns counts.

    Through the backend at `backend_url`, else through `in_process(label_config)` -> (model_version, predict),
    a model in this process (the CLI passes `ml_backend.model.in_process_predictor`). The backend's basic-auth
    credentials: `auth`, else LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD (when it needs them).
    """
    project = client.project(project_id)
    config = project["label_config"]
    if backend_url:
        auth = auth or backend_auth()
        uid = project_uid(project)  # "<id>.<created>", as Label Studio itself sends it
        version = backend_setup(backend_url, config, uid, auth=auth)

        def predict(batch: list[dict]) -> list[dict]:
            return backend_predict(backend_url, batch, config, uid, auth=auth)["results"]
    elif in_process is not None:
        version, predict = in_process(config)
    else:
        raise ValueError("preannotate needs a backend URL or an in-process model")
    result = PreannotateResult(version)
    todo = pending_tasks(client, project_id, result, only_unlabeled)
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), max(1, batch_size))]
    lock = threading.Lock()
    bar = tqdm(total=len(todo), unit="task", desc="preannotate", disable=not progress, file=sys.stderr)

    def run(batch: list[dict]) -> int:
        answers = predict(batch)
        if len(answers) != len(batch):
            raise RuntimeError(f"backend returned {len(answers)} results for {len(batch)} tasks")
        rows = [prediction_row(t["id"], a.get("result") or [], a.get("score"), version)
                for t, a in zip(batch, answers, strict=True)]
        client.import_predictions(project_id, rows)
        with lock:
            result.empty += sum(1 for r in rows if not r["result"])
            bar.update(len(batch))
        return len(rows)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        result.predicted = sum(pool.map(run, batches))
    bar.close()
    return result
