"""The Label Studio I/O layer: every call labelops makes to a Label Studio server goes through here.

Built on label-studio-sdk's `LabelStudio` client. Server answers come back as plain dicts in
Label Studio's own JSON shape. SDK and HTTP failures are turned into one-line `LabelopsError`s
(wrong token, unreachable server, refused request with Label Studio's reason; a 404 is a `NotFoundError`);
the API token never appears in them.

Retries (tenacity; the SDK's own retry is switched off so the two do not multiply):

* reading and idempotent writing calls (GET, list, PATCH, DELETE) are retried on connection refused,
  connection lost, timeouts and 5xx / 429 answers;
* creating calls (POST: project, annotation, prediction, task and prediction imports, uploads) are
  retried only when the request certainly never reached Label Studio (connection refused, connect
  timeout, 429); a timeout, lost connection or 5xx on a POST is reported at once, since it may have
  been carried out, and every labelops command skips what is already done when it is rerun;
* waits double from 1 s (plus up to 1 s of jitter), capped at 8 s per wait; 5 retries (6 attempts,
  about 25 s of waiting) by default. `LABELOPS_RETRIES` (retries after the first attempt; 0 turns
  retrying off) and `LABELOPS_RETRY_MAX_WAIT` (seconds) override them, and so do the constructor's
  `retries` / `retry_wait` / `retry_max_wait`;
* paged listings retry each page, never the whole listing.

A personal access token is exchanged by label-studio-sdk for a 5-minute access token; labelops exchanges it
again 30 s before it runs out, and once more on a 401 (a request that arrived just after the expiry).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pydantic
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from sdk_scripts.errors import LabelopsError, NotFoundError
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.labelstudio.tokens import PERSONAL, explain_refused_token, redact_url, token_kind

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRIES_ENV = "LABELOPS_RETRIES"
RETRY_MAX_WAIT_ENV = "LABELOPS_RETRY_MAX_WAIT"
DEFAULT_RETRIES = 5
DEFAULT_RETRY_WAIT = 1.0
DEFAULT_RETRY_MAX_WAIT = 8.0
# An access token (5 minutes in Label Studio 1.23) this close to its expiry is exchanged again before a request.
ACCESS_TOKEN_MARGIN = 30.0
# The longest labelops waits for Label Studio to write an export snapshot (it answers when done, without Redis).
EXPORT_TIMEOUT = 3600.0
# Label Studio 1.23 recounts every task of the project on each prediction import (284 s for 100 predictions
# into a 100,000-task project); the flag below makes it recount only the tasks written (docs/production.md)
FAST_PREDICTION_IMPORT_FLAG = "fflag_fix_back_4620_memory_efficient_predictions_import_08012025_short"
SLOW_PREDICTION_IMPORT = ("On a large project Label Studio 1.23 recounts every task of the project for each "
                          f"prediction import unless its server runs with {FAST_PREDICTION_IMPORT_FLAG}=true "
                          "(see docs/production.md, Large projects)")
DELETE_SECONDS_PER_PREDICTION = 0.01  # twice Label Studio 1.23's 4.4 ms each (101,000 deleted in 445 s, SQLite)
RERUN_HINT = ("not retried, as it may have been carried out; rerunning the labelops command is safe "
              "(it skips what is already done)")


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


def _setting(explicit: float | None, env: Mapping[str, str], name: str, default: float) -> float:
    if explicit is not None:
        return float(explicit)
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise LabelopsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise LabelopsError(f"{name} must not be negative, got {raw!r}")
    return value


def _next_page(page: Any) -> Any:
    """The page after `page`, or None at the end of the listing (Label Studio: 404)."""
    try:
        return page.get_next()
    except ApiError as exc:
        if exc.status_code == 404:
            return None
        raise


def _status(exc: BaseException) -> int | None:
    return exc.status_code if isinstance(exc, ApiError) else None


def _never_arrived(exc: BaseException) -> bool:
    """The request certainly did not reach Label Studio, or was turned away before being looked at."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout) or _status(exc) == 429


def _transient(exc: BaseException) -> bool:
    """Worth another try for a call that may safely be repeated."""
    status = _status(exc)
    if status is not None:
        return status >= 500 or status == 429
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


class LabelStudioClient:
    """A connection to one Label Studio server, with the operations labelops needs.

    `retries` (after the first attempt), `retry_wait` (first wait, s) and `retry_max_wait` (cap per
    wait, s) default to LABELOPS_RETRIES / LABELOPS_RETRY_MAX_WAIT, else 5, 1 s and 8 s.
    """

    def __init__(self, connection: Connection, timeout: float = 60.0, *, retries: int | None = None,
                 retry_wait: float | None = None, retry_max_wait: float | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.url = redact_url(connection.url)  # for messages: never a password from the URL
        self._base_url = connection.url
        self._api_key = connection.api_key
        self.token_kind = token_kind(connection.api_key)
        self._timeout = timeout
        self.retries = max(0, int(_setting(retries, env, RETRIES_ENV, DEFAULT_RETRIES)))
        self.retry_max_wait = max(0.0, _setting(retry_max_wait, env, RETRY_MAX_WAIT_ENV, DEFAULT_RETRY_MAX_WAIT))
        self.retry_wait = min(DEFAULT_RETRY_WAIT if retry_wait is None else float(retry_wait), self.retry_max_wait)
        # The SDK's own retry (2 retries, POSTs included, no timeouts) is off: `_run` decides.
        try:
            self._sdk = LabelStudio(base_url=connection.url, api_key=connection.api_key, timeout=timeout,
                                    max_retries=0)
        except ApiError as exc:  # the SDK checks a personal access token's expiry up front
            raise LabelopsError(f"Label Studio at {self.url}: " + explain_refused_token(
                self.token_kind, str(_reason(exc.body)))) from None
        self._media: Any = None

    # -- retries and errors ---------------------------------------------------------------------

    def _run(self, what: str, fn: Callable[[], T], *, idempotent: bool = True, gone_ok: bool = False,
             slow_hint: str = "") -> T:
        """`fn()` with retries (see the module docstring); failures become one-line LabelopsErrors.

        `gone_ok`: a 404 on a retry means an earlier attempt did the job (a DELETE whose answer was lost).
        `slow_hint`: added to the message when Label Studio did not answer in time (what makes this call slow).
        """
        attempts = 0
        started = time.monotonic()

        def once() -> T:
            nonlocal attempts
            attempts += 1
            self._renew_access_token_near_expiry()
            try:
                return fn()
            except ApiError as exc:
                if gone_ok and attempts > 1 and exc.status_code == 404:
                    return None  # type: ignore[return-value]
                if exc.status_code == 401 and self._drop_access_token():
                    # the access token ran out on the way (or the server no longer takes it): exchange the
                    # personal access token again and ask once more; a second 401 is the token's fault
                    return fn()
                raise

        def log_retry(state: Any) -> None:
            exc = state.outcome.exception()
            log.warning("labelops: %s; retrying in %.1f s (attempt %d of %d)",
                        self._describe(exc, what), state.next_action.sleep, state.attempt_number + 1,
                        self.retries + 1)

        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self._backoff,
            retry=retry_if_exception(_transient if idempotent else _never_arrived),
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            return retrying(once)
        except (pydantic.ValidationError, TypeError, KeyError, AttributeError, ValueError) as exc:
            # the SDK could not read the answer into Label Studio's shapes: not a Label Studio (1.23) answer
            raise LabelopsError(f"{self.url} gave an answer labelops cannot read while trying to {what} "
                                f"({type(exc).__name__}); is it a Label Studio 1.23 server?") from None
        except (ApiError, httpx.HTTPError) as exc:
            message = self._describe(exc, what)
            if attempts > 1 and (_transient(exc) if idempotent else _never_arrived(exc)):
                message += f", gave up after {attempts} attempts over {time.monotonic() - started:.0f} s"
            elif not idempotent and _transient(exc) and not _never_arrived(exc):
                message += f"; {RERUN_HINT}"
            if slow_hint and isinstance(exc, httpx.TimeoutException):
                message += f". {slow_hint}"
            raise (NotFoundError if _status(exc) == 404 else LabelopsError)(message) from None

    def _drop_access_token(self) -> bool:
        """Forget the access token label-studio-sdk got for a personal access token, so the next request
        exchanges the personal token again; False for other token kinds."""
        tokens = getattr(self._sdk._client_wrapper, "_tokens_client", None)
        if self.token_kind != PERSONAL or tokens is None or getattr(tokens, "_use_legacy_token", True):
            return False
        tokens._access_token = None
        tokens._access_token_expiration = None
        return True

    def _renew_access_token_near_expiry(self) -> None:
        """Exchange again an access token that runs out within ACCESS_TOKEN_MARGIN s: label-studio-sdk renews
        only expired ones, and a request sent just before the expiry arrives after it (401)."""
        tokens = getattr(self._sdk._client_wrapper, "_tokens_client", None)
        expires = getattr(tokens, "_access_token_expiration", None)
        if expires is not None and (expires - datetime.now(UTC)).total_seconds() < ACCESS_TOKEN_MARGIN:
            self._drop_access_token()

    def _backoff(self, state: RetryCallState) -> float:
        """Exponential from `retry_wait`, plus up to `retry_wait` of jitter, capped at `retry_max_wait`."""
        grown = self.retry_wait * 2 ** (state.attempt_number - 1) + random.uniform(0, self.retry_wait)
        return min(grown, self.retry_max_wait)

    def _paged(self, what: str, first: Callable[[], Any]) -> Iterator[dict]:
        """Every item of an SDK pager, each page fetched (and retried) on its own.

        Label Studio answers 404 for the page after the last one: that ends the listing (as the SDK's
        own `SyncPagerExt` does), except on the first page.
        """
        page = self._run(what, first)
        number = 1
        while page is not None:
            for item in page.items or []:
                yield _dump(item)
            if not page.has_next or page.get_next is None:
                return
            number += 1
            page = self._run(f"{what} (page {number})", functools.partial(_next_page, page))
            if page is not None and not page.items:
                return

    def _describe(self, exc: BaseException, what: str) -> str:
        if isinstance(exc, ApiError):
            if exc.status_code == 401:
                return (f"Label Studio at {self.url} rejected the {self.token_kind} (401) while trying to {what}: "
                        + explain_refused_token(self.token_kind, _reason(exc.body)))
            if exc.status_code == 404:
                return f"Label Studio at {self.url}: not found while trying to {what}"
            if exc.status_code is not None and exc.status_code < 400:
                return (f"{self.url} gave an answer labelops cannot read while trying to {what} (HTTP "
                        f"{exc.status_code}, not JSON); is it a Label Studio 1.23 server?")
            verb = "failed" if (exc.status_code or 0) >= 500 else "refused"
            return f"Label Studio at {self.url} {verb} to {what} ({exc.status_code}): {_reason(exc.body)}"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot reach Label Studio at {self.url} (connection refused) to {what}"
        if isinstance(exc, httpx.TimeoutException):
            return f"Label Studio at {self.url} did not answer in time ({self._timeout:g} s) to {what}"
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            return f"lost the connection to Label Studio at {self.url} while trying to {what} ({type(exc).__name__})"
        return f"HTTP error talking to Label Studio at {self.url} to {what}: {exc}"

    # -- server -------------------------------------------------------------------------------

    def whoami(self) -> dict:
        return _dump(self._run("identify the API token's user", self._sdk.users.whoami))

    # -- projects -----------------------------------------------------------------------------

    def projects_titled(self, title: str) -> list[dict]:
        found = list(self._paged(f"list projects titled {title!r}",
                                 lambda: self._sdk.projects.list(title=title, page_size=100)))
        # The filter is exact in Label Studio 1.23, but do not rely on it.
        return [p for p in found if p.get("title") == title]

    def project(self, ref: str | int) -> dict:
        """A project by id (digits) or exact title."""
        if isinstance(ref, int) or (str(ref).isascii() and str(ref).isdigit()):
            if len(str(ref)) > 18:  # no database id is that long (and int() of 4,300+ digits raises)
                raise NotFoundError(f"no project with id {str(ref)[:20]}... on {self.url}")
            try:
                project = _dump(self._run(f"read project {ref}", lambda: self._sdk.projects.get(int(ref))))
            except NotFoundError:
                raise NotFoundError(f"no project with id {ref} on {self.url}") from None
            if not isinstance(project.get("id"), int) or not isinstance(project.get("label_config"), str):
                raise LabelopsError(f"{self.url} answered for project {ref} with something that is not a Label "
                                    "Studio project (no id / label_config); is it a Label Studio 1.23 server?")
            return project
        matches = self.projects_titled(str(ref))
        if not matches:
            raise NotFoundError(f"no project titled {ref!r} on {self.url}")
        if len(matches) > 1:
            ids = ", ".join(str(p["id"]) for p in matches)
            raise LabelopsError(f"several projects are titled {ref!r} (ids {ids}); give the id instead")
        return matches[0]

    def create_project(self, **fields: Any) -> dict:
        return _dump(self._run(f"create project {fields.get('title')!r}",
                               lambda: self._sdk.projects.create(**fields), idempotent=False))

    def update_project(self, project_id: int, **fields: Any) -> dict:
        return _dump(self._run(f"update project {project_id}", lambda: self._sdk.projects.update(project_id, **fields)))

    def delete_project(self, project_id: int) -> None:
        self._run(f"delete project {project_id}", lambda: self._sdk.projects.delete(project_id), gone_ok=True)

    # -- tasks --------------------------------------------------------------------------------

    def iter_tasks(self, project_id: int, *, with_annotations: bool = True, page_size: int = 100,
                   only: Sequence[str] = (), after_id: int | None = None) -> Iterator[dict]:
        """Every task of a project, page by page (each page retried on its own); with annotations and predictions.

        `only`: just these top-level task fields (Label Studio's `include`; nested objects such as annotations
        then come as ids only): `("id", "data")` lists a project three times faster than the whole task.
        `after_id`: only the tasks with a higher id, in id order (a Data Manager filter), to list what was
        added since a task id was seen.
        """
        fields = "all" if with_annotations else "task_only"
        extra: dict[str, Any] = {"include": ",".join(only)} if only else {}
        if after_id is not None:
            extra["query"] = json.dumps({"filters": {"conjunction": "and", "items": [
                {"filter": "filter:tasks:id", "operator": "greater", "type": "Number", "value": int(after_id)}]},
                "ordering": ["tasks:id"]})
        yield from self._paged(f"list tasks of project {project_id}", lambda: self._sdk.tasks.list(
            project=project_id, fields=fields, page_size=page_size, **extra))

    def import_tasks(self, project_id: int, payloads: Sequence[dict]) -> list[int]:
        """Import tasks in one request (Label Studio's community edition commits it in one go)."""
        response = self._run(
            f"import {len(payloads)} tasks into project {project_id}",
            lambda: self._sdk.projects.import_tasks(project_id, request=list(payloads), return_task_ids=True),
            idempotent=False,
        )
        return list(response.task_ids or [])

    # -- export snapshots (Label Studio's own export of a whole project) ----------------------------

    def create_export_snapshot(self, project_id: int, title: str, *, wait: float = EXPORT_TIMEOUT) -> dict:
        """Ask Label Studio for a JSON export snapshot of every task, annotation and prediction of a project.

        Without a task queue (Redis), Label Studio writes the whole file before it answers: the request may take
        minutes (`wait` seconds at most). Retried like a read: a snapshot changes nothing in the project, and one
        left behind by a request cut off in flight carries the same `title`, for the caller to delete.
        """
        options: Any = {"timeout_in_seconds": wait}
        return _dump(self._run(
            f"create an export snapshot of project {project_id}",
            lambda: self._sdk.projects.exports.create(
                project_id, title=title, request_options=options, serialization_options={
                    "predictions": {"only_id": False}, "annotations__completed_by": {"only_id": False}})))

    def export_snapshot(self, project_id: int, export_id: int) -> dict:
        return _dump(self._run(f"read export snapshot {export_id} of project {project_id}",
                               lambda: self._sdk.projects.exports.get(project_id, export_id)))

    def export_snapshots(self, project_id: int) -> list[dict]:
        """The project's export snapshots, newest first (Label Studio lists the last 100)."""
        return [_dump(e) for e in self._run(f"list the export snapshots of project {project_id}",
                                            lambda: self._sdk.projects.exports.list(project_id))]

    def delete_export_snapshot(self, project_id: int, export_id: int) -> None:
        self._run(f"delete export snapshot {export_id} of project {project_id}",
                  lambda: self._sdk.projects.exports.delete(project_id, export_id), gone_ok=True)

    def download_export_snapshot(self, project_id: int, export_id: int, path: Path) -> int:
        """Stream an export snapshot's JSON file into `path`; its size in bytes.

        Every request asks for a range (from the bytes already in `path`): Label Studio then says the file's whole
        size (a plain download is sent without one, so a cut-off file would look complete), and a connection lost
        or a Label Studio restart in the middle costs only the retry's wait, never the bytes already there.
        """
        url = f"{self._base_url.rstrip('/')}/api/projects/{project_id}/exports/{export_id}/download"
        http = self._sdk._client_wrapper.httpx_client.httpx_client
        path.write_bytes(b"")

        def resume() -> int:
            have = path.stat().st_size
            headers = {**self.auth_headers(), "Range": f"bytes={have}-"}
            with http.stream("GET", url, params={"exportType": "JSON"}, headers=headers,
                             timeout=self._timeout) as response:
                if response.status_code >= 400:
                    response.read()
                    raise ApiError(status_code=response.status_code, body=_json_or_text(response))
                if have and response.status_code != 206:  # the whole file again: start over
                    path.write_bytes(b"")
                    have = 0
                total = _full_size(response, have)
                with path.open("ab") as fh:
                    for chunk in response.iter_bytes():  # as they come: a fixed size would hold back the last bytes
                        fh.write(chunk)
                size = path.stat().st_size
                if total is not None and size < total:
                    raise httpx.RemoteProtocolError(f"the download stopped at {size} of {total} bytes")
                return size

        return self._run(f"download export snapshot {export_id} of project {project_id}", resume)

    # -- annotations --------------------------------------------------------------------------

    def create_annotation(self, task_id: int, result: list[dict], **fields: Any) -> dict:
        return _dump(self._run(f"create an annotation on task {task_id}",
                               lambda: self._sdk.annotations.create(task_id, result=result, **fields),
                               idempotent=False))

    # -- review loop --------------------------------------------------------------------------

    def task(self, task_id: int) -> dict | None:
        """One task with its annotations, or None when it no longer exists."""
        try:
            return _dump(self._run(f"read task {task_id}", lambda: self._sdk.tasks.get(str(task_id))))
        except NotFoundError:
            return None

    def delete_task(self, task_id: int) -> None:
        self._run(f"delete task {task_id}", lambda: self._sdk.tasks.delete(str(task_id)), gone_ok=True)

    def update_task(self, task_id: int, **fields: Any) -> dict:
        return _dump(self._run(f"update task {task_id}", lambda: self._sdk.tasks.update(str(task_id), **fields)))

    def create_prediction(self, task_id: int, result: list[dict], score: float, model_version: str) -> dict:
        return _dump(self._run(f"create a prediction on task {task_id}",
                               lambda: self._sdk.predictions.create(task=task_id, result=result, score=score,
                                                                    model_version=model_version),
                               idempotent=False))

    def update_prediction(self, prediction_id: int, **fields: Any) -> dict:
        return _dump(self._run(f"update prediction {prediction_id}",
                               lambda: self._sdk.predictions.update(prediction_id, **fields)))

    def delete_prediction(self, prediction_id: int) -> None:
        self._run(f"delete prediction {prediction_id}", lambda: self._sdk.predictions.delete(prediction_id),
                  gone_ok=True)

    def update_annotation(self, annotation_id: int, **fields: Any) -> dict:
        return _dump(self._run(f"update annotation {annotation_id}",
                               lambda: self._sdk.annotations.update(annotation_id, **fields)))

    def delete_annotation(self, annotation_id: int) -> None:
        self._run(f"delete annotation {annotation_id}", lambda: self._sdk.annotations.delete(annotation_id),
                  gone_ok=True)

    def user_emails(self) -> dict[int, str]:
        """User id -> email for everyone in the organization."""
        return {u.id: u.email for u in self._run("list users", self._sdk.users.list)}

    def auth_headers(self) -> dict[str, str]:
        """The Authorization header for a raw request to this server.

        A personal access token is exchanged (and re-exchanged when it runs out) for a `Bearer` access
        token by label-studio-sdk; a legacy token is sent as `Token <key>`.
        """
        headers = self._run("exchange the personal access token for an access token",
                            self._sdk._client_wrapper.get_headers)
        return {"Authorization": headers["Authorization"]}

    def media(self) -> Any:
        """A `MediaResolver` for this server's media (uploads, local files, cloud storage through Label Studio)."""
        if self._media is None:
            from sdk_scripts.labelstudio.media import MediaPolicy, MediaResolver

            self._media = MediaResolver(MediaPolicy(label_studio_url=self._base_url, timeout=self._timeout),
                                        auth=self.auth_headers)
        return self._media

    def download(self, url: str, task_id: int | None = None, project_id: int | None = None) -> bytes | None:
        """A task's media file as Label Studio serves it (uploads, local files, cloud storage), or None.

        Only Label Studio's own media paths get the token; URLs on other hosts are not fetched (no request
        forgery through task data). None also for anything the server refuses or when it is unreachable.
        """
        from sdk_scripts.labelstudio.media import MediaError

        try:
            return self.media().fetch(url, task_id=task_id, project_id=project_id)
        except (MediaError, LabelopsError) as exc:
            log.info("labelops: not fetched: %s", exc)
            return None

    # -- ML backends and predictions ------------------------------------------------------------

    def ml_backends(self, project_id: int) -> list[dict]:
        return [_dump(b) for b in self._run(f"list ML backends of project {project_id}",
                                            lambda: self._sdk.ml.list(project=project_id))]

    def create_ml_backend(self, project_id: int, url: str, title: str, **fields: Any) -> dict:
        return _dump(self._run(f"connect ML backend {url} to project {project_id}",
                               lambda: self._sdk.ml.create(project=project_id, url=url, title=title, **fields),
                               idempotent=False))

    def update_ml_backend(self, backend_id: int, **fields: Any) -> dict:
        return _dump(self._run(f"update ML backend {backend_id}", lambda: self._sdk.ml.update(backend_id, **fields)))

    def webhooks(self, project_id: int) -> list[dict]:
        """The project's webhooks (Label Studio registers `<backend>/webhook` when a backend is connected)."""
        return [_dump(h) for h in self._run(f"list webhooks of project {project_id}",
                                            lambda: self._sdk.webhooks.list(project=str(project_id)))]

    def update_webhook(self, webhook_id: int, url: str, headers: dict[str, str]) -> dict:
        return _dump(self._run(f"set the headers of webhook {webhook_id}",
                               lambda: self._sdk.webhooks.update(webhook_id, url=url, headers=headers)))

    def delete_ml_backend(self, backend_id: int) -> None:
        self._run(f"delete ML backend {backend_id}", lambda: self._sdk.ml.delete(backend_id), gone_ok=True)

    def import_predictions(self, project_id: int, predictions: Sequence[dict]) -> int:
        """Store many predictions in one request ({task, result, score, model_version} each)."""
        if not predictions:
            return 0
        self._run(f"import {len(predictions)} predictions into project {project_id}",
                  lambda: self._sdk.projects.import_predictions(project_id, request=list(predictions)),
                  idempotent=False, slow_hint=SLOW_PREDICTION_IMPORT)
        return len(predictions)

    def retrieve_predictions(self, project_id: int, task_ids: Sequence[int] | None = None) -> None:
        """Run the Data Manager action "Retrieve predictions" (Label Studio calls the connected backend)."""
        selected = {"all": False, "included": list(task_ids)} if task_ids else {"all": True, "excluded": []}
        self._run(f"retrieve predictions for project {project_id}",
                  lambda: self._sdk.actions.create(id="retrieve_tasks_predictions", project=project_id,
                                                   selected_items=selected),
                  idempotent=False)

    def _raw(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """A JSON call the SDK has no method for, through the SDK's HTTP client (its auth, our retries)."""
        http = self._sdk._client_wrapper.httpx_client

        def call() -> Any:
            response = http.request(path.lstrip("/"), method=method, **kwargs)
            if response.status_code >= 400:
                raise ApiError(status_code=response.status_code, body=_json_or_text(response))
            return _json_or_text(response) if response.content else None

        return self._run(what, call, idempotent=method in ("GET", "DELETE", "PATCH", "PUT"))

    def model_versions(self, project_id: int) -> dict[str, int]:
        """The model versions of the project's predictions, with how many predictions each has."""
        body = self._raw("GET", f"api/projects/{project_id}/model-versions/",
                         f"list the model versions of project {project_id}")
        return {str(k): int(v) for k, v in (body or {}).items()} if isinstance(body, dict) else {}

    def delete_model_version(self, project_id: int, model_version: str, expected: int = 0) -> int:
        """Delete every prediction of one model version in the project (one request); how many went.

        `expected`: how many predictions the version holds, to wait long enough for a big one (Label Studio 1.23
        on SQLite took 445 s for 101,000: one answer after the whole delete).

        Label Studio 1.23 also clears the project's model_version when it names an ML backend's title, whatever
        version is deleted (`Project.should_none_model_version`): ours does, so it is set back unless it was the
        deleted one — the labeling stream's pre-fill and Uncertainty sampling read it.
        """
        if not model_version:  # Label Studio would delete every prediction of the project
            raise ValueError("delete_model_version needs a model version")
        shown = self.project(project_id).get("model_version")
        body = self._raw("DELETE", f"api/projects/{project_id}/model-versions/",
                         f"delete the predictions of {model_version!r} in project {project_id}",
                         json={"model_version": model_version},
                         request_options={"timeout_in_seconds": max(self._timeout,
                                                                    expected * DELETE_SECONDS_PER_PREDICTION)})
        if shown and shown != model_version and not self.project(project_id).get("model_version"):
            self.update_project(project_id, model_version=shown)
        # Label Studio 1.23 answers {"deleted_predictions": n} (Project.delete_predictions)
        count = body.get("deleted_predictions", body.get("count")) if isinstance(body, dict) else body
        return int(count) if isinstance(count, int) else 0

    def predictions(self, project_id: int) -> list[dict]:
        return [_dump(p) for p in self._run(f"list predictions of project {project_id}",
                                            lambda: self._sdk.predictions.list(project=project_id))]

    def upload_files(self, project_id: int, paths: Sequence[str]) -> list[int]:
        """Upload local files as new tasks (Label Studio stores them under /data/upload/); their task ids."""
        # one form field per file: Label Studio reads request.FILES.items(), one file per field name
        files = [(f"file{i}", (Path(p).name, Path(p).read_bytes())) for i, p in enumerate(paths)]
        http = self._sdk._client_wrapper.httpx_client.httpx_client
        resp = self._run(
            f"upload {len(files)} files to project {project_id}",
            lambda: http.post(f"{self._base_url}/api/projects/{project_id}/import",
                              params={"return_task_ids": "true"}, headers=self.auth_headers(), files=files,
                              timeout=self._timeout),
            idempotent=False,
        )
        if resp.status_code == 401:
            raise LabelopsError(f"Label Studio at {self.url} rejected the {self.token_kind} (401) while uploading "
                                f"files: " + explain_refused_token(self.token_kind, _reason(_json_or_text(resp))))
        if resp.status_code >= 300:
            raise LabelopsError(f"Label Studio at {self.url} refused the upload ({resp.status_code}): "
                                f"{resp.text[:300]}")
        return list(resp.json().get("task_ids") or [])


def _full_size(response: httpx.Response, offset: int) -> int | None:
    """The whole file's size from a (ranged) answer's Content-Range or Content-Length, when it says."""
    content_range = response.headers.get("content-range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("content-length", "")
    return offset + int(length) if length.isdigit() else None


def _json_or_text(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text[:300]
