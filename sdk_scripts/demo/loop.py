"""The steps both demo projects go through: created from a bundled spec, backend connected and pre-annotating,
disagreements pushed to review, the quality report, the tasks left for people pre-filled by the served version."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sdk_scripts.agreement.engine import per_task_scores
from sdk_scripts.governance.report import write_report
from sdk_scripts.labelstudio.backend_api import backend_al_status
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.project_ids import project_uid
from sdk_scripts.ml_backend_link import connect_backend
from sdk_scripts.preannotate import preannotate
from sdk_scripts.project_setup import apply_spec
from sdk_scripts.project_spec import load_spec
from sdk_scripts.review.project_state import load_project_state
from sdk_scripts.review.push import push_reviews


def samples_dir() -> Path:
    return Path(str(resources.files("sdk_scripts") / "samples"))


def create_project(client: LabelStudioClient, spec_name: str) -> dict:
    """The project a bundled spec describes (created once, brought in line with the spec on reruns)."""
    return apply_spec(client, load_spec(samples_dir() / spec_name)).project


@dataclass
class Connected:
    """The backend connected to a project and its pre-annotation run."""

    model_version: str
    predicted: int
    already: int


def forget_earlier_backends(client: LabelStudioClient, project_id: int, url: str) -> int:
    """Remove the project's ML-backend rows for other URLs: the backends of earlier demo runs, gone now.

    Label Studio asks the project's first row for predictions when it serves a task; a row whose backend
    no longer answers makes it serve the task without pre-labels.
    """
    stale = [b for b in client.ml_backends(project_id) if str(b.get("url", "")).rstrip("/") != url.rstrip("/")]
    for row in stale:
        client.delete_ml_backend(row["id"])
    return len(stale)


def connect_and_preannotate(client: LabelStudioClient, project_id: int, backend_url: str) -> Connected:
    """Store a prediction of the backend's version on every task lacking one, then connect the backend.

    Every task, labelled ones too: Label Studio's task list asks a backend connected with "predictions when a
    task loads" to predict, synchronously, every task of the page without any prediction.
    """
    forget_earlier_backends(client, project_id, backend_url)
    pre = preannotate(client, project_id, backend_url=backend_url, progress=False)
    connected = connect_backend(client, project_id, backend_url, predict_on_load=True)
    return Connected(connected.model_version, pre.predicted, pre.skipped_existing)


def settled_training(client: LabelStudioClient, backend_url: str, project_id: int,
                     timeout: float = 120.0) -> dict[str, Any]:
    """The backend's training status for the project once the runs the annotations started have ended."""
    uid = project_uid(client.project(project_id))
    deadline = time.monotonic() + timeout
    status = backend_al_status(backend_url, uid)
    while status["training"].get("running") and time.monotonic() < deadline:
        time.sleep(0.5)
        status = backend_al_status(backend_url, uid)
    return status


@dataclass
class Reviewed:
    """The review project a source project's disagreements went to, and the source's quality report."""

    review_project: dict
    picked: int
    report: Path


def review_and_report(client: LabelStudioClient, project_id: int, report_path: Path,
                      label_studio_url: str) -> Reviewed:
    """Push disagreements, flagged items and a QA sample to the review project; write the HTML quality report."""
    pushed = push_reviews(client, project_id, per_task_scores, threshold=0.8, qa_fraction=0.05)
    state = load_project_state(client, project_id, per_task_scores)
    report = write_report(state, report_path, label_studio_url=label_studio_url)
    return Reviewed(pushed.review_project, len(pushed.picks), report)


def prefill_left_tasks(client: LabelStudioClient, project_id: int) -> tuple[list[int], str]:
    """The tasks nobody labeled yet, each made to hold a prediction of the project's model version.

    Label Studio's stream pre-fills a task only from a prediction of the project's model_version (the
    served version); a task without one is sent to the backend through "Retrieve Predictions".
    """
    version = client.project(project_id).get("model_version") or ""

    def left() -> list[dict]:
        return [t for t in client.iter_tasks(project_id) if not t.get("annotations")]

    def held(task: dict) -> bool:
        return version in {p.get("model_version") for p in task.get("predictions") or []}

    tasks = left()
    missing = [t["id"] for t in tasks if not held(t)]
    if missing and version:
        client.retrieve_predictions(project_id, missing)
        tasks = left()
    return [t["id"] for t in tasks if held(t)], version
