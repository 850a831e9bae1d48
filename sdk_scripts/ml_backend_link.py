"""Registering a labelops ML backend with a Label Studio project (`labelops connect-backend`).

`connect_backend` is idempotent: one ML-backend row per URL (Label Studio leaves a row behind after
a refused `ml create`; such duplicates are removed), the project's model_version set to the version
the backend's /setup reports, and optionally "retrieve predictions when a task loads" switched on.

With basic-auth credentials (LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD) `connect_backend`
stores them in Label Studio (the ML-backend row's auth_method BASIC_AUTH for its /health, /setup,
/predict... calls; an `Authorization` entry in the headers of the `<backend>/webhook` webhook Label
Studio creates with the row, whose requests carry no basic auth of their own). The backend's own HTTP
API is `sdk_scripts.labelstudio.backend_api`.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.backend_api import Auth, backend_auth, backend_setup_answer, norm_url
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.project_ids import project_uid


@dataclass
class ConnectResult:
    backend_id: int
    model_version: str
    created: bool
    removed_duplicates: list[int] = field(default_factory=list)


def _auth_fields(auth: Auth | None) -> dict[str, str]:
    if auth is None:
        return {"auth_method": "NONE"}
    return {"auth_method": "BASIC_AUTH", "basic_auth_user": auth[0], "basic_auth_pass": auth[1]}


def _basic_header(auth: Auth) -> str:
    return "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")


def _sync_webhook_auth(client: LabelStudioClient, project_id: int, url: str, auth: Auth | None) -> int:
    """Put (or take out) the Authorization header on the project's `<url>/webhook` webhooks; how many changed.

    Label Studio sends webhooks with the webhook's own `headers` only, never the ML-backend row's basic
    auth, so without this the annotation events would be refused by a protected backend.
    """
    target = f"{norm_url(url)}/webhook"
    changed = 0
    for hook in (h for h in client.webhooks(project_id) if norm_url(h.get("url") or "") == target):
        old = hook.get("headers") if isinstance(hook.get("headers"), dict) else {}
        headers = {k: v for k, v in old.items() if k.lower() != "authorization"}
        if auth is not None:
            headers["Authorization"] = _basic_header(auth)
        if headers != old:
            client.update_webhook(int(hook["id"]), hook["url"], headers)
            changed += 1
    return changed


def backend_webhook(client: LabelStudioClient, project_id: int, url: str) -> dict | None:
    """The project's `<url>/webhook` webhook (Label Studio makes it when it creates the ML-backend row), or None."""
    target = f"{norm_url(url)}/webhook"
    return next((h for h in client.webhooks(project_id) if norm_url(h.get("url") or "") == target), None)


def missing_webhook_cause(url: str) -> str:
    """Why Label Studio may have refused to create the `<url>/webhook` webhook, for the error message."""
    host = urlsplit(norm_url(url)).hostname or ""
    try:
        ipaddress.ip_address(host)
        is_ip = True
    except ValueError:
        is_ip = False
    if not is_ip and host != "localhost" and "." not in host:
        return (f"Label Studio checks webhook URLs with Django's URL validator, which refuses the host {host!r}: "
                f"a host name needs a dot, e.g. {host}.labelops.internal (a network alias or DNS name of the backend)")
    return (f"Label Studio refused the URL {norm_url(url)}/webhook: its URL validator refuses the host {host!r}, "
            "or its SSRF protection blocks the address (SSRF_PROTECTION_ENABLED, USE_DEFAULT_BANNED_SUBNETS / "
            "USER_ADDITIONAL_BANNED_SUBNETS)")


def _create_row(client: LabelStudioClient, project_id: int, url: str, version: str, predict_on_load: bool,
                auth: Auth | None, extra: dict | None, keep_ids: set[int]) -> dict:
    """A new ML-backend row; when Label Studio refuses it, the row the refused attempt leaves behind is removed."""
    try:
        return client.create_ml_backend(project_id, url, version, is_interactive=predict_on_load,
                                        **_auth_fields(auth), **({"extra_params": extra} if extra else {}))
    except LabelopsError:
        for b in client.ml_backends(project_id):  # the refused attempt leaves a row behind
            if norm_url(b.get("url", "")) == norm_url(url) and b["id"] not in keep_ids:
                client.delete_ml_backend(b["id"])
        raise


def connect_backend(client: LabelStudioClient, project_id: int, url: str,
                    predict_on_load: bool = False, auth: Auth | None = None,
                    strategy: str | None = None, train_every: int | None = None) -> ConnectResult:
    """Register the backend with the project (idempotent) and align the project's model_version.

    The backend row's title is the model version: Label Studio only accepts a project model_version
    that names a connected backend's title (or existing predictions), and Uncertainty sampling only
    uses predictions whose model_version equals the project's. With basic-auth credentials (given,
    else LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD) the row gets auth_method BASIC_AUTH and the
    backend's webhook an Authorization header, so Label Studio's own calls authenticate too. A
    `strategy` becomes the row's extra_params, which Label Studio sends with every /setup: the backend
    then orders that project's tasks by it.

    Training on submission: the project's "Start model training on annotation submission" is turned on
    with Label Studio sending START_TRAINING every `train_every` annotations (default: the backend's
    TRAIN_MIN_ANNOTATIONS), so the model page says what happens; 0 turns it off, and then annotations
    only train when someone presses "Start Training".

    Label Studio creates the `<url>/webhook` webhook (how annotations reach the backend's training loop)
    only when it creates a row, and silently skips it when it refuses the URL. So a row without its
    webhook is replaced by a new one, and the webhook is read back: when it is still missing, the row made
    here is removed again, rows that were there before stay as they were, the project's model_version is
    left alone, and a LabelopsError names the likely cause.
    """
    auth = auth or backend_auth()
    project = client.project(project_id)
    extra = {"strategy": strategy} if strategy else None
    answer = backend_setup_answer(url, project["label_config"], project_uid(project), auth=auth, extra_params=extra)
    version = str(answer["model_version"])
    if train_every is None:
        train_every = int(answer.get("train_min_annotations") or 0)
    same = [b for b in client.ml_backends(project_id) if norm_url(b.get("url", "")) == norm_url(url)]
    removed: list[int] = []
    created = False
    if same and backend_webhook(client, project_id, url) is not None:
        keep = next((b for b in same if b.get("state") == "CO"), same[0])
    else:
        keep = _create_row(client, project_id, url, version, predict_on_load, auth, extra, {b["id"] for b in same})
        created = True
        if backend_webhook(client, project_id, url) is None:
            client.delete_ml_backend(int(keep["id"]))
            # Label Studio may have pointed the project at the new row's title: put it back
            before = project.get("model_version") or ""
            if (client.project(project_id).get("model_version") or "") != before:
                client.update_project(project_id, model_version=before)
            state = (f"ML backend(s) {', '.join(str(b['id']) for b in same)} with this URL stay as they were, "
                     "without the webhook" if same else "nothing is registered for this URL")
            raise LabelopsError(f"Label Studio did not create the webhook {norm_url(url)}/webhook on project "
                                f"{project_id}, so annotations would never reach the backend's training loop. Likely "
                                f"cause: {missing_webhook_cause(url)}. Project {project_id} is unchanged: {state}")
    for b in same:  # duplicates, or rows replaced by the new one (with its webhook)
        if b["id"] != keep["id"]:
            client.delete_ml_backend(b["id"])
            removed.append(b["id"])
    # the stored password cannot be read back (write-only): with credentials, always store them again
    auth_changed = auth is not None or keep.get("auth_method", "NONE") != "NONE"
    extra_changed = bool(extra) and (keep.get("extra_params") or {}) != extra
    if not created and (keep.get("title") != version or (predict_on_load and not keep.get("is_interactive"))
                        or auth_changed or extra_changed):
        # Label Studio re-runs its health check and /setup on update from the fields sent: send url + project
        client.update_ml_backend(int(keep["id"]), url=keep["url"], project=project_id, title=version,
                                 is_interactive=predict_on_load or keep.get("is_interactive", False),
                                 **_auth_fields(auth), **({"extra_params": extra} if extra else {}))
    _sync_webhook_auth(client, project_id, url, auth)
    fields: dict = {"model_version": version, "min_annotations_to_start_training": max(0, train_every)}
    if predict_on_load:
        fields.update(evaluate_predictions_automatically=True, show_collab_predictions=True)
    client.update_project(project_id, **fields)
    return ConnectResult(int(keep["id"]), version, created, removed)


