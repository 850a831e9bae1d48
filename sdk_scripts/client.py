"""The Label Studio I/O layer: every call labelops makes to a Label Studio server goes through here.

Built on label-studio-sdk's `LabelStudio` client. Server answers come back as plain dicts in
Label Studio's own JSON shape. SDK and HTTP failures are turned into one-line `LabelopsError`s
(wrong token, unreachable server, refused request with Label Studio's reason); the API token never
appears in them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from sdk_scripts.errors import LabelopsError
from sdk_scripts.settings import Connection


def _dump(model: Any) -> dict:
    """An SDK model back to the JSON Label Studio sent (fields it did not send are left out)."""
    if isinstance(model, dict):
        return model
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _reason(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("validation_errors", "detail", "message", "non_field_errors"):
            if body.get(key):
                value = body[key]
                if isinstance(value, dict):
                    return "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                                     for k, v in value.items())
                return " ".join(map(str, value)) if isinstance(value, list) else str(value)
        return "; ".join(f"{k}: {v}" for k, v in body.items() if k not in ("id", "version", "exc_info"))
    return str(body)[:300]


class LabelStudioClient:
    """A connection to one Label Studio server, with the operations labelops needs."""

    def __init__(self, connection: Connection, timeout: float = 60.0) -> None:
        self.url = connection.url
        self._api_key = connection.api_key
        self._timeout = timeout
        self._sdk = LabelStudio(base_url=connection.url, api_key=connection.api_key, timeout=timeout)

    @contextlib.contextmanager
    def _call(self, what: str) -> Iterator[None]:
        try:
            yield
        except ApiError as exc:
            if exc.status_code == 401:
                raise LabelopsError(
                    f"Label Studio at {self.url} rejected the API token (401) while trying to {what}; "
                    "check LABEL_STUDIO_API_KEY (a legacy token needs LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN "
                    "on the server)"
                ) from None
            if exc.status_code == 404:
                raise LabelopsError(f"Label Studio at {self.url}: not found while trying to {what}") from None
            raise LabelopsError(
                f"Label Studio at {self.url} refused to {what} ({exc.status_code}): {_reason(exc.body)}"
            ) from None
        except httpx.ConnectError:
            raise LabelopsError(f"cannot reach Label Studio at {self.url} (connection refused) to {what}") from None
        except httpx.TimeoutException:
            raise LabelopsError(f"Label Studio at {self.url} did not answer in time to {what}") from None
        except httpx.HTTPError as exc:
            raise LabelopsError(f"HTTP error talking to Label Studio at {self.url} to {what}: {exc}") from None

    # -- server -------------------------------------------------------------------------------

    def whoami(self) -> dict:
        with self._call("identify the API token's user"):
            return _dump(self._sdk.users.whoami())

    # -- projects -----------------------------------------------------------------------------

    def projects_titled(self, title: str) -> list[dict]:
        with self._call(f"list projects titled {title!r}"):
            found = [_dump(p) for p in self._sdk.projects.list(title=title, page_size=100)]
        # The filter is exact in Label Studio 1.23, but do not rely on it.
        return [p for p in found if p.get("title") == title]

    def project(self, ref: str | int) -> dict:
        """A project by id (digits) or exact title."""
        if isinstance(ref, int) or str(ref).isdigit():
            try:
                with self._call(f"read project {ref}"):
                    return _dump(self._sdk.projects.get(int(ref)))
            except LabelopsError as exc:
                if "not found" in str(exc):
                    raise LabelopsError(f"no project with id {ref} on {self.url}") from None
                raise
        matches = self.projects_titled(str(ref))
        if not matches:
            raise LabelopsError(f"no project titled {ref!r} on {self.url}")
        if len(matches) > 1:
            ids = ", ".join(str(p["id"]) for p in matches)
            raise LabelopsError(f"several projects are titled {ref!r} (ids {ids}); give the id instead")
        return matches[0]

    def create_project(self, **fields: Any) -> dict:
        with self._call(f"create project {fields.get('title')!r}"):
            return _dump(self._sdk.projects.create(**fields))

    def update_project(self, project_id: int, **fields: Any) -> dict:
        with self._call(f"update project {project_id}"):
            return _dump(self._sdk.projects.update(project_id, **fields))

    def delete_project(self, project_id: int) -> None:
        with self._call(f"delete project {project_id}"):
            self._sdk.projects.delete(project_id)

    # -- tasks --------------------------------------------------------------------------------

    def iter_tasks(self, project_id: int, *, with_annotations: bool = True, page_size: int = 100) -> Iterator[dict]:
        """Every task of a project, page by page; with annotations and predictions by default."""
        fields = "all" if with_annotations else "task_only"
        with self._call(f"list tasks of project {project_id}"):
            for task in self._sdk.tasks.list(project=project_id, fields=fields, page_size=page_size):
                yield _dump(task)

    def import_tasks(self, project_id: int, payloads: Sequence[dict]) -> list[int]:
        """Import tasks in one request (Label Studio's community edition commits it in one go)."""
        with self._call(f"import {len(payloads)} tasks into project {project_id}"):
            response = self._sdk.projects.import_tasks(project_id, request=list(payloads), return_task_ids=True)
        return list(response.task_ids or [])

    # -- annotations --------------------------------------------------------------------------

    def create_annotation(self, task_id: int, result: list[dict], **fields: Any) -> dict:
        with self._call(f"create an annotation on task {task_id}"):
            return _dump(self._sdk.annotations.create(task_id, result=result, **fields))

    # -- review loop --------------------------------------------------------------------------

    def task(self, task_id: int) -> dict | None:
        """One task with its annotations, or None when it no longer exists."""
        try:
            with self._call(f"read task {task_id}"):
                return _dump(self._sdk.tasks.get(str(task_id)))
        except LabelopsError as exc:
            if "not found" in str(exc):
                return None
            raise

    def delete_task(self, task_id: int) -> None:
        with self._call(f"delete task {task_id}"):
            self._sdk.tasks.delete(str(task_id))

    def update_task(self, task_id: int, **fields: Any) -> dict:
        with self._call(f"update task {task_id}"):
            return _dump(self._sdk.tasks.update(str(task_id), **fields))

    def create_prediction(self, task_id: int, result: list[dict], score: float, model_version: str) -> dict:
        with self._call(f"create a prediction on task {task_id}"):
            return _dump(self._sdk.predictions.create(task=task_id, result=result, score=score,
                                                      model_version=model_version))

    def delete_prediction(self, prediction_id: int) -> None:
        with self._call(f"delete prediction {prediction_id}"):
            self._sdk.predictions.delete(prediction_id)

    def update_annotation(self, annotation_id: int, **fields: Any) -> dict:
        with self._call(f"update annotation {annotation_id}"):
            return _dump(self._sdk.annotations.update(annotation_id, **fields))

    def delete_annotation(self, annotation_id: int) -> None:
        with self._call(f"delete annotation {annotation_id}"):
            self._sdk.annotations.delete(annotation_id)

    def user_emails(self) -> dict[int, str]:
        """User id -> email for everyone in the organization."""
        with self._call("list users"):
            return {u.id: u.email for u in self._sdk.users.list()}

    def download(self, url: str) -> bytes | None:
        """A file Label Studio serves (`/data/upload/...`, `/data/local-files/...`), fetched with the token.

        URLs on other hosts are not fetched (no request forgery through task data); None then, and
        for anything the server refuses.
        """
        if url.startswith(self.url + "/"):
            url = url[len(self.url):]
        if not url.startswith("/data/"):
            return None
        try:
            # The SDK has no file-download call; its HTTP client carries the base URL and the auth header.
            response = self._sdk._client_wrapper.httpx_client.request(url.lstrip("/"), method="GET")
        except httpx.HTTPError:
            return None
        return response.content if response.status_code == 200 else None

    # -- ML backends and predictions ------------------------------------------------------------

    def ml_backends(self, project_id: int) -> list[dict]:
        with self._call(f"list ML backends of project {project_id}"):
            return [_dump(b) for b in self._sdk.ml.list(project=project_id)]

    def create_ml_backend(self, project_id: int, url: str, title: str, **fields: Any) -> dict:
        with self._call(f"connect ML backend {url} to project {project_id}"):
            return _dump(self._sdk.ml.create(project=project_id, url=url, title=title, **fields))

    def update_ml_backend(self, backend_id: int, **fields: Any) -> dict:
        with self._call(f"update ML backend {backend_id}"):
            return _dump(self._sdk.ml.update(backend_id, **fields))

    def delete_ml_backend(self, backend_id: int) -> None:
        with self._call(f"delete ML backend {backend_id}"):
            self._sdk.ml.delete(backend_id)

    def import_predictions(self, project_id: int, predictions: Sequence[dict]) -> int:
        """Store many predictions in one request ({task, result, score, model_version} each)."""
        if not predictions:
            return 0
        with self._call(f"import {len(predictions)} predictions into project {project_id}"):
            self._sdk.projects.import_predictions(project_id, request=list(predictions))
        return len(predictions)

    def retrieve_predictions(self, project_id: int, task_ids: Sequence[int] | None = None) -> None:
        """Run the Data Manager action "Retrieve predictions" (Label Studio calls the connected backend)."""
        selected = {"all": False, "included": list(task_ids)} if task_ids else {"all": True, "excluded": []}
        with self._call(f"retrieve predictions for project {project_id}"):
            self._sdk.actions.create(id="retrieve_tasks_predictions", project=project_id, selected_items=selected)

    def predictions(self, project_id: int) -> list[dict]:
        with self._call(f"list predictions of project {project_id}"):
            return [_dump(p) for p in self._sdk.predictions.list(project=project_id)]

    def upload_files(self, project_id: int, paths: Sequence[str]) -> list[int]:
        """Upload local files as new tasks (Label Studio stores them under /data/upload/); their task ids."""
        # one form field per file: Label Studio reads request.FILES.items(), one file per field name
        files = [(f"file{i}", (Path(p).name, Path(p).read_bytes())) for i, p in enumerate(paths)]
        try:
            resp = httpx.post(f"{self.url}/api/projects/{project_id}/import", params={"return_task_ids": "true"},
                              headers={"Authorization": f"Token {self._api_key}"}, files=files, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise LabelopsError(f"cannot upload files to Label Studio at {self.url}: {type(exc).__name__}") from None
        if resp.status_code >= 300:
            raise LabelopsError(f"Label Studio at {self.url} refused the upload ({resp.status_code}): "
                                f"{resp.text[:300]}")
        return list(resp.json().get("task_ids") or [])
