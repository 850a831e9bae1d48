"""The client for our ML backend's HTTP API: /setup, /predict, /al/status, /al/rollback, with its basic auth.

A backend started with BASIC_AUTH_USER / BASIC_AUTH_PASS needs HTTP basic auth on every route: every
call here sends the credentials given, else those from LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD.
Failures are one-line `LabelopsError`s.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from sdk_scripts.errors import LabelopsError

USER_ENV = "LABELOPS_BACKEND_USER"
PASSWORD_ENV = "LABELOPS_BACKEND_PASSWORD"
Auth = tuple[str, str]


def norm_url(url: str) -> str:
    """`url` without surrounding blanks or trailing slashes (how backend URLs are compared)."""
    return url.strip().rstrip("/")


def backend_auth(env: dict[str, str] | None = None) -> Auth | None:
    """(user, password) from LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD, None when neither is set."""
    env = os.environ if env is None else env
    user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        missing = PASSWORD_ENV if user else USER_ENV
        raise LabelopsError(f"{missing} is not set: the ML backend's basic auth needs both {USER_ENV} and "
                            f"{PASSWORD_ENV}")
    return (user, password) if user else None


def _backend_request(method: str, url: str, path: str, what: str, timeout: float, auth: Auth | None = None,
                     **kwargs: Any) -> httpx.Response:
    """One HTTP call to the backend with the basic-auth credentials (given, else from the env); 401 → LabelopsError."""
    auth = auth or backend_auth()
    try:
        resp = httpx.request(method, f"{norm_url(url)}{path}", timeout=timeout, auth=auth, **kwargs)
    except httpx.HTTPError as exc:
        raise LabelopsError(f"cannot reach the ML backend at {url} to {what}: {type(exc).__name__}") from None
    if resp.status_code == 401:
        raise LabelopsError(f"ML backend at {url} refused the credentials (401): set {USER_ENV} / {PASSWORD_ENV}")
    return resp


def _body(resp: httpx.Response) -> dict:
    return resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}


def backend_setup(url: str, label_config: str, project_id: int | str, timeout: float = 120.0,
                  auth: Auth | None = None, extra_params: dict | None = None) -> str:
    """POST /setup to the backend; its model_version, or a LabelopsError with the backend's reason."""
    return str(backend_setup_answer(url, label_config, project_id, timeout, auth, extra_params)["model_version"])


def backend_setup_answer(url: str, label_config: str, project_id: int | str, timeout: float = 120.0,
                         auth: Auth | None = None, extra_params: dict | None = None) -> dict:
    """POST /setup to the backend; its answer (model_version, skipped_controls, train_min_annotations).

    `extra_params` (e.g. {"strategy": "hybrid"}) are what Label Studio also sends from the ML-backend
    row; the backend keeps them for the project.
    """
    payload: dict[str, Any] = {"project": str(project_id), "schema": label_config}
    if extra_params:
        payload["extra_params"] = extra_params
    resp = _backend_request("POST", url, "/setup", "set up the project", timeout, auth, json=payload)
    body = _body(resp)
    if resp.status_code != 200:
        raise LabelopsError(f"ML backend at {url} cannot serve this project: {body.get('error') or resp.text[:300]}")
    if not isinstance(body.get("model_version"), str):
        raise LabelopsError(f"{url} answered /setup without a model_version: is it a labelops ML backend?")
    return body


def backend_predict(url: str, tasks: list[dict], label_config: str, project_id: int | str | None,
                    timeout: float = 600.0, auth: Auth | None = None) -> dict:
    """POST /predict with a batch of tasks; the backend's JSON answer.

    `project_id` None names no project: the backend answers with its shipped models (zero-shot, shipped
    weights), never a project's trained version.
    """
    payload: dict[str, Any] = {"tasks": tasks, "label_config": label_config}
    if project_id is not None:
        payload["project"] = str(project_id)
    resp = _backend_request("POST", url, "/predict", "predict", timeout, auth, json=payload)
    if resp.status_code != 200:
        raise LabelopsError(f"ML backend at {url} failed to predict ({resp.status_code}): {resp.text[:300]}")
    return resp.json()



def _backend_json(method: str, url: str, path: str, what: str, timeout: float, **kwargs) -> dict:
    resp = _backend_request(method, url, path, what, timeout, **kwargs)
    body = _body(resp)
    if resp.status_code != 200:
        raise LabelopsError(f"ML backend at {url} could not {what} ({resp.status_code}): "
                            f"{body.get('error') or resp.text[:300]}")
    return body


def backend_al_status(url: str, project_id: int | str, timeout: float = 30.0, auth: Auth | None = None) -> dict:
    """The backend's training state for a project: served version, kept versions, history, queue."""
    return _backend_json("GET", url, "/al/status", f"report training status of project {project_id}", timeout,
                         auth=auth, params={"project": str(project_id)})


def backend_rollback(url: str, project_id: int | str, timeout: float = 600.0, auth: Auth | None = None) -> dict:
    """Ask the backend to serve the previous kept version of the project (it re-predicts and switches)."""
    return _backend_json("POST", url, "/al/rollback", f"roll back project {project_id}", timeout,
                         auth=auth, json={"project": str(project_id)})
