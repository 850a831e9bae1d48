"""What the smoke test does on the running stack, from the host: a project, an annotator, annotations, training.

Label Studio is reached on its published port with the `labelops` CLI of the host's venv and the project's client;
the annotator signs up through the organization's invite link and annotates with its own personal access token.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from deploy.compose_smoke.shell import run
from sdk_scripts.devserver.users import create_personal_access_token, login_session
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.labelstudio.project_ids import project_uid

PROJECT_TITLE = "compose smoke - sentiment"
LABELS = ("positive", "neutral", "negative")
_SUBJECTS = ("the coffee", "this phone", "the hotel room", "the new album", "our delivery", "the support team",
             "the park", "this laptop", "the concert", "the train ride", "the museum", "the pizza")
_TEMPLATES = {"positive": "I really loved {s}, it was wonderful.",
              "neutral": "I saw {s} on Tuesday afternoon.",
              "negative": "I hated {s}, it was awful."}


def smoke_texts() -> list[tuple[str, str]]:
    """Short texts with their sentiment: every subject in every sentiment (36), the sentiments interleaved."""
    return [(_TEMPLATES[label].format(s=subject), label) for subject in _SUBJECTS for label in LABELS]


def sentiment_result(label: str) -> list[dict]:
    """A text_sentiment annotation result choosing `label`."""
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}]


def write_project_files(folder: Path) -> tuple[Path, Path]:
    """The project spec (text_sentiment, one annotator per task) and the task file the CLI imports."""
    spec = folder / "project.yaml"
    spec.write_text(f"title: {PROJECT_TITLE}\nconfig: text_sentiment\n"
                    f"labels:\n  sentiment: [{', '.join(LABELS)}]\nannotators_per_task: 1\n")
    tasks = folder / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"text": text}) + "\n" for text, _ in smoke_texts()))
    return spec, tasks


def labelops(args: list[str], url: str, token: str, log: Path) -> str:
    """The host's `labelops` CLI against the stack's Label Studio; its stdout."""
    env = {"PATH": str(Path(sys.executable).parent), "LABEL_STUDIO_URL": url, "LABEL_STUDIO_API_KEY": token,
           "HOME": str(log.parent)}
    return run([sys.executable, "-m", "sdk_scripts.cli", *args], env, log)


def create_project(url: str, token: str, folder: Path, log: Path) -> int:
    """Create the smoke project and import its tasks with the CLI; the project id."""
    spec, tasks = write_project_files(folder)
    out = labelops(["project", "create", str(spec)], url, token, log)
    project_id = int(out.split("project ", 1)[1].split()[0])
    labelops(["tasks", "import", str(project_id), str(tasks)], url, token, log)
    return project_id


def sign_up_annotator(url: str, admin_token: str, email: str) -> str:
    """A new annotator signed up through the organization's invite link; its personal access token."""
    invite = httpx.get(f"{url}/api/invite", headers={"Authorization": f"Token {admin_token}"}, timeout=30)
    invite.raise_for_status()
    session = login_session(url, email, secrets.token_urlsafe(16), signup=invite.json()["invite_url"])
    try:
        return create_personal_access_token(session)
    finally:
        session.close()


def annotate(client: LabelStudioClient, project_id: int, count: int) -> list[dict]:
    """`count` annotations by the client's user, on the project's first tasks, with the texts' sentiments."""
    answers = dict(smoke_texts())
    made = []
    for task in list(client.iter_tasks(project_id, with_annotations=False))[:count]:
        made.append(client.create_annotation(task["id"], sentiment_result(answers[task["data"]["text"]])))
    return made


def backend_webhook(client: LabelStudioClient, project_id: int, backend_url: str) -> dict | None:
    """The project's webhook to `<backend>/webhook` (Label Studio creates it with the ML-backend row), or None."""
    target = backend_url.rstrip("/") + "/webhook"
    return next((h for h in client.webhooks(project_id) if (h.get("url") or "").rstrip("/") == target), None)


def trained_version(project_id: int, model_version: str | None) -> int | None:
    """N when `model_version` names the backend's trained run N of the project (`labelops-p<id>-v<N>`), else None."""
    match = re.fullmatch(rf"labelops-p{project_id}-v(\d+)", model_version or "")
    return int(match.group(1)) if match else None


def wait_for_trained_version(client: LabelStudioClient, project_id: int, backend_status: Callable[[], dict],
                             timeout: float) -> tuple[str, dict]:
    """Until the project's model_version is a trained version the backend serves and no run is going on.

    Returns that version and the backend's /al/status; RuntimeError naming the last state seen on timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        current = client.project(project_id).get("model_version")
        if trained_version(project_id, current):
            status = backend_status()
            if status.get("model_version") == current and not status["training"].get("running"):
                return current, status
        if time.monotonic() > deadline:
            raise RuntimeError(f"project {project_id} is on model_version {current!r} after {timeout:.0f} s, not a "
                               f"version trained by the backend (labelops-p{project_id}-v<N>)")
        time.sleep(3)


def admin_client(url: str, token: str) -> LabelStudioClient:
    return LabelStudioClient(Connection(url, token))


def uid(client: LabelStudioClient, project_id: int) -> str:
    return project_uid(client.project(project_id))
