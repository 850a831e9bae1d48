"""`make demo`: start Label Studio on localhost, run the multi-pass loop on sample data, say where to log in.

Steps: start Label Studio (on a free port when another server holds the asked one: the demo's admin
must be able to log in to what answers) and the ML backend, create the 3-annotator emotion project, import the
sample texts, connect the backend and pre-annotate them (zero-shot MiniLM), have three simulated
annotators (real Label Studio users with names and their own tokens) label all but the last
`LEFT_FOR_PEOPLE` of them from the bundled answers, push disagreements to a review project, write
the HTML quality report, make sure the tasks left for people are pre-filled by the served version,
and print the URLs and which user to log in as for each role (admin, annotators, reviewer).

The demo server keeps its data in `.demo/` at the repository root, so a second `make demo` finds
the same project and tasks (project creation and import are idempotent). Its password (the admin's,
and the one every demo user signed up with through the invite link) and the admin's API token are
generated on first run and kept in `.demo/credentials.toml` (mode 600); a labelops config file
pointing at the server (with the admin's API token) is written to `.demo/labelops.toml`.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx

from sdk_scripts.agreement.engine import per_task_scores
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.ports import free_port, port_is_free
from sdk_scripts.devserver.users import AdminCredentials, Annotator, login_session
from sdk_scripts.errors import LabelopsError
from sdk_scripts.governance.report import write_report
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection
from sdk_scripts.ml_backend_link import connect_backend
from sdk_scripts.preannotate import preannotate
from sdk_scripts.project_setup import apply_spec
from sdk_scripts.project_spec import load_spec
from sdk_scripts.review.project_state import load_project_state
from sdk_scripts.review.push import push_reviews
from sdk_scripts.task_import import import_task_file

DEMO_DIR = Path(__file__).resolve().parent.parent / ".demo"
DEMO_USER = "admin@labelops.local"
LEFT_FOR_PEOPLE = 6  # the last sample tasks, left unlabeled for whoever logs in as an annotator
# The demo's people: Label Studio shows their names (not identical "AN" avatars) and the review tabs use them.
ANNOTATORS = {"annotator1@labelops.local": ("Amira", "Haddad"), "annotator2@labelops.local": ("Bruno", "Keller"),
              "annotator3@labelops.local": ("Chen", "Wei")}
REVIEWER = ("reviewer@labelops.local", ("Rosa", "Lindqvist"))


def samples_dir() -> Path:
    return Path(str(resources.files("sdk_scripts") / "samples"))


@dataclass
class DemoProject:
    project: dict
    imported: int
    present: int


def active_learning_summary(client: LabelStudioClient, backend_url: str, project_id: int,
                            timeout: float = 120.0) -> str:
    """Wait for the training runs the annotations triggered to settle; one line on what they did."""
    from sdk_scripts.labelstudio.backend_api import backend_al_status
    from sdk_scripts.labelstudio.project_ids import project_uid

    uid = project_uid(client.project(project_id))
    deadline = time.monotonic() + timeout
    status = backend_al_status(backend_url, uid)
    while status["training"].get("running") and time.monotonic() < deadline:
        time.sleep(0.5)
        status = backend_al_status(backend_url, uid)
    trained = [h for h in status["history"] if h.get("event") == "trained"]
    if not trained:
        failed = [h.get("error") for h in status["history"] if h.get("event") == "failed"]
        return "active learning: no model trained yet" + (f" (last run failed: {failed[-1]})" if failed else "")
    last = trained[-1]
    figures = ", ".join(f"{name}: {c.get('examples')} examples, held-out accuracy "
                        f"{'-' if c.get('validation_accuracy') is None else round(c['validation_accuracy'], 2)}"
                        for name, c in last["controls"].items() if "error" not in c)
    project = client.project(project_id)
    version = project.get("model_version")
    served = status.get("model_version")
    note = "" if served == version else f"; the backend serves {served}"
    every = project.get("min_annotations_to_start_training")
    return (f"active learning: {len(trained)} training run(s), started by Label Studio every {every} annotations "
            f"(\"Start model training on annotation submission\"); project now on {version} ({figures}){note}; "
            "Label Studio serves the task its predictions are least sure about first (Uncertainty sampling)")


def set_up_demo_project(client: LabelStudioClient) -> DemoProject:
    """Create the 3-annotator emotion project and import the sample tasks (both idempotent)."""
    spec = load_spec(samples_dir() / "emotion_project.yaml")
    project = apply_spec(client, spec).project
    report = import_task_file(client, project["id"], samples_dir() / "emotion_tasks.jsonl")
    return DemoProject(project, report.imported, report.already_present)


def simulated_result(answer: dict) -> list[dict]:
    """A text_emotion annotation result from one line of the bundled simulated answers."""
    def choices(name: str, values: list[str]) -> dict:
        return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": values}}

    result = [choices("emotion", answer["emotion"]), choices("confidence", [answer["confidence"]])]
    if answer.get("flag"):
        result.append(choices("flag", [answer["flag"]]))
    if answer.get("sarcasm"):
        result.append(choices("sarcasm", ["sarcastic"]))
    return result


def demo_users(server: LocalLabelStudio) -> dict[str, Annotator]:
    """The three annotators and the reviewer (signed up through the invite link), each with their name set."""
    from label_studio_sdk import LabelStudio

    names = {**ANNOTATORS, REVIEWER[0]: REVIEWER[1]}
    users = {u.email: u for u in server.create_annotators(list(names))}
    for email, (first, last) in names.items():
        own = LabelStudio(base_url=server.url, api_key=users[email].token)  # as in Account & Settings
        me = own.users.whoami()
        if (me.first_name, me.last_name) != (first, last):
            own.users.update(users[email].id, first_name=first, last_name=last)
    return users


def annotate_as_simulated_annotators(server: LocalLabelStudio, client: LabelStudioClient, project_id: int,
                                     annotators: list[Annotator]) -> int:
    """The annotators label every sample task but the last LEFT_FOR_PEOPLE from the bundled answers (once)."""
    from label_studio_sdk import LabelStudio

    answers = {
        row["text"]: row["annotators"]
        for row in map(json.loads, (samples_dir() / "emotion_demo_annotations.jsonl").read_text().splitlines())
    }
    sample_order = [json.loads(line)["text"] for line in
                    (samples_dir() / "emotion_tasks.jsonl").read_text().splitlines() if line.strip()]
    left = set(sample_order[-LEFT_FOR_PEOPLE:])
    made = 0
    for task in client.iter_tasks(project_id):
        if task["data"].get("text") in left:
            continue
        done = {a.get("completed_by") for a in task.get("annotations") or []}
        versions = answers.get(task["data"].get("text"), [])
        for annotator, answer in zip(annotators, versions, strict=False):
            if annotator.id not in done:
                sdk = LabelStudio(base_url=server.url, api_key=annotator.token)
                sdk.annotations.create(task["id"], result=simulated_result(answer))
                made += 1
    return made


def forget_earlier_backends(client: LabelStudioClient, project_id: int, url: str) -> int:
    """Remove the project's ML-backend rows for other URLs: the backends of earlier demo runs, gone now.

    Label Studio asks the project's first row for predictions when it serves a task; a row whose backend
    no longer answers makes it serve the task without pre-labels.
    """
    stale = [b for b in client.ml_backends(project_id) if str(b.get("url", "")).rstrip("/") != url.rstrip("/")]
    for row in stale:
        client.delete_ml_backend(row["id"])
    return len(stale)


def prefill_left_tasks(client: LabelStudioClient, project_id: int) -> tuple[list[int], str]:
    """The tasks nobody labeled yet, each made to hold a prediction of the project's model version.

    Label Studio's stream pre-fills a task only from a prediction of the project's model_version (the
    served version); a task without one is sent to the backend through "Retrieve Predictions".
    """
    version = client.project(project_id).get("model_version") or ""

    def left() -> list[dict]:
        return [t for t in client.iter_tasks(project_id) if not t.get("annotations")]

    missing = [t["id"] for t in left() if version not in {p.get("model_version") for p in t.get("predictions") or []}]
    if missing and version:
        client.retrieve_predictions(project_id, missing)
    tasks = left()
    return [t["id"] for t in tasks if version in {p.get("model_version") for p in t.get("predictions") or []}], version


def _demo_credentials(demo_dir: Path) -> AdminCredentials:
    path = demo_dir / "credentials.toml"
    if path.exists():
        data = tomllib.loads(path.read_text())
        return AdminCredentials(data["username"], data["password"], data["token"])
    creds = AdminCredentials(DEMO_USER, secrets.token_urlsafe(12), secrets.token_hex(20))
    demo_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# The demo's admin; every demo user (annotators, reviewer) signed up with the same password.\n"
                 f'username = "{creds.username}"\npassword = "{creds.password}"\ntoken = "{creds.token}"\n')
    return creds


def _write_labelops_config(demo_dir: Path, url: str, token: str) -> Path:
    path = demo_dir / "labelops.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f'[label_studio]\nurl = "{url}"\napi_key = "{token}"\n')
    return path


def port_answers(port: int) -> bool:
    """Whether some HTTP server already answers on 127.0.0.1:`port`."""
    try:
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    except httpx.HTTPError:
        return False
    return True


def admin_can_log_in(url: str, creds: AdminCredentials) -> bool:
    """Whether the Label Studio at `url` lets this admin log in: true only on a server made with these credentials."""
    try:
        login_session(url, creds.username, creds.password).close()
    except LabelopsError:
        return False
    return True


def server_is_ours(server: LocalLabelStudio) -> bool:
    """Whether what answers on the server's URL is that server: its process runs and its admin can log in."""
    return server.running and admin_can_log_in(server.url, server.credentials)


def start_demo_server(data_dir: Path, creds: AdminCredentials, port: int, say=print) -> LocalLabelStudio:
    """Start the demo's Label Studio on `port` (0: any), on a free port instead when another server holds it.

    A busy port is seen before the start; a server that answers there anyway (while ours fails to bind, or
    is still booting) is told apart afterwards: the demo's admin cannot log in to it. Each move is one line.
    """
    if port == 0 or not port_is_free(port) or port_answers(port):
        chosen = free_port()
        if port:
            say(f"port {port} is busy (another server answers there); using {chosen}")
        port = chosen
    server = LocalLabelStudio(data_dir, creds, port=port)
    say(f"starting Label Studio on {server.url} (data in {server.data_dir}) ...")
    return start_verified(server, say)


def start_verified(server: LocalLabelStudio, say=print) -> LocalLabelStudio:
    """Start `server`; when the Label Studio answering on its port is another one, move it to a free port (once)."""
    port = server.port
    try:
        server.start()
        if server_is_ours(server):
            return server
    except LabelopsError:
        if not port_answers(port):
            raise  # it failed by itself, not because of another server
    server.stop()
    server.port = free_port()
    say(f"the server answering on port {port} is not the demo's Label Studio (the demo's admin cannot log in); "
        f"using port {server.port}")
    server.start()
    if not server_is_ours(server):
        server.stop()
        raise LabelopsError(f"the demo's admin cannot log in to its own Label Studio at {server.url}: "
                            f"{server.data_dir} was made with other credentials; `make clean` starts the demo over")
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdk_scripts.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LABELOPS_DEMO_PORT", "8080")))
    parser.add_argument("--demo-dir", type=Path, default=DEMO_DIR)
    parser.add_argument("--no-wait", action="store_true", help="stop the server once the demo is set up")
    args = parser.parse_args(argv)

    creds = _demo_credentials(args.demo_dir)
    server: LocalLabelStudio | None = None
    backend: LocalBackend | None = None
    started = time.monotonic()
    try:
        server = start_demo_server(args.demo_dir / "label-studio-data", creds, args.port,
                                   say=lambda line: print(line, flush=True))
        print(f"Label Studio answered after {time.monotonic() - started:.0f} s")
        token = server.admin_token
        client = LabelStudioClient(Connection(server.url, token))
        demo = set_up_demo_project(client)
        config_path = _write_labelops_config(args.demo_dir, server.url, token)
        project = demo.project
        print()
        print(f"project {project['id']} {project['title']!r}: {project['maximum_annotations']} annotators per task, "
              f"{demo.imported} tasks imported ({demo.present} already there)")
        backend = LocalBackend(env={"LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": token,
                                    # trained versions live with the demo's data (`make clean` forgets both)
                                    "MODEL_DIR": str(args.demo_dir / "ml-backend")},
                               log_path=args.demo_dir / "ml-backend.log")
        backend.start()
        forget_earlier_backends(client, project["id"], backend.url)
        pre = preannotate(client, project["id"], backend_url=backend.url, progress=False)
        connected = connect_backend(client, project["id"], backend.url, predict_on_load=True)
        print(f"ML backend {backend.url} connected (model {connected.model_version}); "
              f"{pre.predicted} tasks pre-annotated ({pre.skipped_existing} already were)")
        users = demo_users(server)
        annotators = [users[email] for email in ANNOTATORS]
        made = annotate_as_simulated_annotators(server, client, project["id"], annotators)
        print(f"3 simulated annotators made {made} annotations")
        print(active_learning_summary(client, backend.url, project["id"]))
        pushed = push_reviews(client, project["id"], per_task_scores, threshold=0.8, qa_fraction=0.05)
        review = pushed.review_project
        print(f"review project {review['id']}: {len(pushed.picks)} tasks need review "
              f"(disagreements, flagged items, QA sample)")
        state = load_project_state(client, project["id"], per_task_scores)
        report_path = write_report(state, args.demo_dir / "report.html", label_studio_url=server.url)
        print(f"quality report: {report_path}")
        prefilled, version = prefill_left_tasks(client, project["id"])
        print(f"{len(prefilled)} tasks left to label, each pre-filled by the served version {version}")
        print()
        print(f"  open      {server.url}/projects/{project['id']}/data  (\"Label All Tasks\" to annotate)")
        print(f"  reviews   {server.url}/projects/{review['id']}/data")
        print(f"  backend   {backend.url}/health")
        print(f"  report    {report_path}")
        print(f"  the CLI:  .venv/bin/labelops --config {config_path} pull {project['id']} --out pulled/")
        print()
        print(f"  log in as {creds.username}  (admin: projects, settings, the model page)")
        for email, (first, last) in ANNOTATORS.items():
            print(f"  log in as {email}  (annotator {first} {last}: the tasks left in project {project['id']})")
        print(f"  log in as {REVIEWER[0]}  (reviewer {' '.join(REVIEWER[1])}: project {review['id']}, "
              "every annotator's answer side by side)")
        print(f"  password  {creds.password}  (every demo user; kept in {args.demo_dir / 'credentials.toml'})")
        print()
        if args.no_wait:
            return 0
        print("Label Studio and the ML backend keep running; press Ctrl-C to stop them.", flush=True)
        while server.running and backend.running:
            time.sleep(1)
        print(f"Label Studio or the ML backend stopped by itself; see {server.log_path} and {backend.log_path}",
              file=sys.stderr)
        return 1
    except (LabelopsError, RuntimeError) as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping Label Studio ...")
        return 0
    finally:
        if backend is not None:
            backend.stop()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
