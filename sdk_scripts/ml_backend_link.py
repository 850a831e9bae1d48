"""Talking to a labelops ML backend over HTTP and registering it with a Label Studio project.

`connect_backend` is idempotent: one ML-backend row per URL (Label Studio leaves a row behind after
a refused `ml create`; such duplicates are removed), the project's model_version set to the version
the backend's /setup reports, and optionally "retrieve predictions when a task loads" switched on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from sdk_scripts.client import LabelStudioClient
from sdk_scripts.errors import LabelopsError


def _norm(url: str) -> str:
    return url.strip().rstrip("/")


def backend_setup(url: str, label_config: str, project_id: int, timeout: float = 120.0) -> str:
    """POST /setup to the backend; its model_version, or a LabelopsError with the backend's reason."""
    try:
        resp = httpx.post(f"{_norm(url)}/setup", json={"project": str(project_id), "schema": label_config},
                          timeout=timeout)
    except httpx.HTTPError as exc:
        raise LabelopsError(f"cannot reach the ML backend at {url}: {type(exc).__name__}") from None
    body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
    if resp.status_code != 200:
        raise LabelopsError(f"ML backend at {url} cannot serve this project: {body.get('error') or resp.text[:300]}")
    return str(body["model_version"])


def backend_predict(url: str, tasks: list[dict], label_config: str, project_id: int, timeout: float = 600.0) -> dict:
    """POST /predict with a batch of tasks; the backend's JSON answer."""
    resp = httpx.post(f"{_norm(url)}/predict", json={"tasks": tasks, "label_config": label_config,
                                                       "project": str(project_id)}, timeout=timeout)
    if resp.status_code != 200:
        raise LabelopsError(f"ML backend at {url} failed to predict ({resp.status_code}): {resp.text[:300]}")
    return resp.json()


@dataclass
class ConnectResult:
    backend_id: int
    model_version: str
    created: bool
    removed_duplicates: list[int] = field(default_factory=list)


def connect_backend(client: LabelStudioClient, project_id: int, url: str,
                    predict_on_load: bool = False) -> ConnectResult:
    """Register the backend with the project (idempotent) and align the project's model_version.

    The backend row's title is the model version: Label Studio only accepts a project model_version
    that names a connected backend's title (or existing predictions), and Uncertainty sampling only
    uses predictions whose model_version equals the project's.
    """
    project = client.project(project_id)
    version = backend_setup(url, project["label_config"], project_id)
    same = [b for b in client.ml_backends(project_id) if _norm(b.get("url", "")) == _norm(url)]
    removed: list[int] = []
    created = False
    if same:
        keep = next((b for b in same if b.get("state") == "CO"), same[0])
        for b in same:
            if b["id"] != keep["id"]:
                client.delete_ml_backend(b["id"])
                removed.append(b["id"])
    else:
        try:
            keep = client.create_ml_backend(project_id, url, version, is_interactive=predict_on_load)
            created = True
        except LabelopsError:
            for b in client.ml_backends(project_id):  # the refused attempt leaves a row behind
                if _norm(b.get("url", "")) == _norm(url):
                    client.delete_ml_backend(b["id"])
            raise
    if not created and (keep.get("title") != version or (predict_on_load and not keep.get("is_interactive"))):
        client.update_ml_backend(int(keep["id"]), title=version, is_interactive=predict_on_load or keep.get(
            "is_interactive", False))
    fields: dict = {"model_version": version}
    if predict_on_load:
        fields.update(evaluate_predictions_automatically=True, show_collab_predictions=True)
    client.update_project(project_id, **fields)
    return ConnectResult(int(keep["id"]), version, created, removed)


def _backend_json(method: str, url: str, path: str, what: str, timeout: float, **kwargs) -> dict:
    try:
        resp = httpx.request(method, f"{_norm(url)}{path}", timeout=timeout, **kwargs)
    except httpx.HTTPError as exc:
        raise LabelopsError(f"cannot reach the ML backend at {url} to {what}: {type(exc).__name__}") from None
    body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
    if resp.status_code != 200:
        raise LabelopsError(f"ML backend at {url} could not {what} ({resp.status_code}): "
                            f"{body.get('error') or resp.text[:300]}")
    return body


def backend_al_status(url: str, project_id: int, timeout: float = 30.0) -> dict:
    """The backend's training state for a project: served version, kept versions, history, queue."""
    return _backend_json("GET", url, "/al/status", f"report training status of project {project_id}", timeout,
                         params={"project": str(project_id)})


def backend_rollback(url: str, project_id: int, timeout: float = 600.0) -> dict:
    """Ask the backend to serve the previous kept version of the project (it re-predicts and switches)."""
    return _backend_json("POST", url, "/al/rollback", f"roll back project {project_id}", timeout,
                         json={"project": str(project_id)})
