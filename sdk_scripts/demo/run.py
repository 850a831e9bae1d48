"""`make demo` from start to finish: the server, the backend, both projects, and the lines saying where to log in."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sdk_scripts.demo import images, text
from sdk_scripts.demo.loop import (
    connect_and_preannotate,
    prefill_left_tasks,
    review_and_report,
    settled_training,
)
from sdk_scripts.demo.people import ANNOTATORS, REVIEWER, demo_users
from sdk_scripts.demo.server import demo_credentials, start_demo_server, write_labelops_config
from sdk_scripts.devserver.backend import LocalBackend
from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.devserver.users import Annotator
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.connection import Connection

DEMO_DIR = Path(__file__).resolve().parents[2] / ".demo"


@dataclass(frozen=True)
class Shown:
    """A demo project as the closing lines show it: its id, its review project's id, its report."""

    project: int
    review: int
    report: Path


def run_text_project(server: LocalLabelStudio, client: LabelStudioClient, backend: LocalBackend,
                     annotators: list[Annotator], demo_dir: Path) -> Shown:
    """The emotion project end to end; prints its lines, returns its ids and report path."""
    setup = text.set_up_text_project(client)
    project = setup.project
    print(f"text project {project['id']} {project['title']!r}: {project['maximum_annotations']} annotators per "
          f"task, {setup.imported} tasks imported ({setup.present} already there)")
    earlier = text.import_earlier_round(client, project["id"], annotators, demo_dir)
    print(f"earlier round: {earlier.imported} labelled texts imported with {earlier.annotations} annotations "
          f"({earlier.present} already there; 18 per emotion, the three annotators agreed)")
    connected = connect_and_preannotate(client, project["id"], backend.url)
    print(f"ML backend {backend.url} connected (model {connected.model_version}); "
          f"{connected.predicted} tasks pre-annotated ({connected.already} already were)")
    made = text.annotate_as_simulated_annotators(server.url, client, project["id"], annotators)
    print(f"3 simulated annotators made {made} annotations")
    status = settled_training(client, backend.url, project["id"])
    print(text.active_learning_summary(status, client.project(project["id"])))
    print(text.held_out_line(text.held_out(client, project["id"], backend.url)))
    reviewed = review_and_report(client, project["id"], demo_dir / "report.html", server.url)
    print(f"review project {reviewed.review_project['id']}: {reviewed.picked} tasks need review "
          "(disagreements, flagged items, QA sample)")
    print(f"quality report: {reviewed.report}")
    prefilled, version = prefill_left_tasks(client, project["id"])
    print(f"{len(prefilled)} tasks left to label, each pre-filled by the served version {version}")
    return Shown(project["id"], reviewed.review_project["id"], reviewed.report)


def run_image_project(server: LocalLabelStudio, client: LabelStudioClient, backend: LocalBackend,
                      annotators: list[Annotator], demo_dir: Path) -> Shown:
    """The shapes project end to end; prints its lines, returns its ids and report path."""
    setup = images.set_up_image_project(client, demo_dir)
    project = setup.project
    print(f"image project {project['id']} {project['title']!r}: {project['maximum_annotations']} annotators per "
          f"image, {setup.uploaded} images uploaded ({setup.present} already there), drawn into "
          f"{demo_dir / 'shapes'} by the generator the shipped detector learned from")
    connected = connect_and_preannotate(client, project["id"], backend.url)
    images.stop_training_on_submission(client, project["id"])
    shown, boxes = images.predicted_boxes(client, project["id"], connected.model_version)
    print(f"ML backend connected (model {connected.model_version}); {connected.predicted} images pre-annotated "
          f"({connected.already} already were): {boxes} boxes on {shown} images, drawn in the labeling stream")
    made = images.annotate_images(server.url, client, setup, annotators)
    print(f"3 simulated annotators made {made} annotations (boxes); training on submission is off for this project: "
          "\"Start Training\" on the model page fine-tunes the detector (minutes on a CPU)")
    reviewed = review_and_report(client, project["id"], demo_dir / "report-shapes.html", server.url)
    print(f"review project {reviewed.review_project['id']}: {reviewed.picked} images need review "
          "(disagreements, flagged items, QA sample)")
    print(f"quality report: {reviewed.report}")
    prefilled, version = prefill_left_tasks(client, project["id"])
    print(f"{len(prefilled)} images left to label, each pre-filled with the detector's boxes ({version})")
    return Shown(project["id"], reviewed.review_project["id"], reviewed.report)


def print_where(server: LocalLabelStudio, backend: LocalBackend, tp: Shown, ip: Shown, config_path: Path,
                demo_dir: Path) -> None:
    """Where each project, review project and report is, and who to log in as."""
    print()
    print(f"  text      {server.url}/projects/{tp.project}/data  (\"Label All Tasks\" to annotate)")
    print(f"  reviews   {server.url}/projects/{tp.review}/data")
    print(f"  report    {tp.report}")
    print(f"  images    {server.url}/projects/{ip.project}/data  (\"Label All Tasks\": the detector's boxes are drawn)")
    print(f"  reviews   {server.url}/projects/{ip.review}/data")
    print(f"  report    {ip.report}")
    print(f"  backend   {backend.url}/health")
    print(f"  the CLI:  .venv/bin/labelops --config {config_path} pull {tp.project} --out pulled/")
    print()
    print(f"  log in as {server.credentials.username}  (admin: projects, settings, the model page)")
    for email, (first, last) in ANNOTATORS.items():
        print(f"  log in as {email}  (annotator {first} {last}: the tasks left in projects {tp.project} and "
              f"{ip.project})")
    print(f"  log in as {REVIEWER[0]}  (reviewer {' '.join(REVIEWER[1])}: projects {tp.review} and "
          f"{ip.review}, every annotator's answer side by side)")
    print(f"  password  {server.credentials.password}  (every demo user; kept in {demo_dir / 'credentials.toml'})")
    print()


def main(argv: list[str] | None = None) -> int:
    from sdk_scripts import demo

    parser = argparse.ArgumentParser(prog="python -m sdk_scripts.demo", description=demo.__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LABELOPS_DEMO_PORT", "8080")))
    parser.add_argument("--demo-dir", type=Path, default=DEMO_DIR)
    parser.add_argument("--no-wait", action="store_true", help="stop the server once the demo is set up")
    args = parser.parse_args(argv)

    creds = demo_credentials(args.demo_dir)
    server: LocalLabelStudio | None = None
    backend: LocalBackend | None = None
    started = time.monotonic()
    try:
        server = start_demo_server(args.demo_dir / "label-studio-data", creds, args.port,
                                   say=lambda line: print(line, flush=True))
        print(f"Label Studio answered after {time.monotonic() - started:.0f} s")
        token = server.admin_token
        client = LabelStudioClient(Connection(server.url, token))
        config_path = write_labelops_config(args.demo_dir, server.url, token)
        backend = LocalBackend(env={"LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": token,
                                    # trained versions live with the demo's data (`make clean` forgets both)
                                    "MODEL_DIR": str(args.demo_dir / "ml-backend"),
                                    "TRAIN_MIN_ANNOTATIONS": str(text.TRAIN_EVERY)},
                               log_path=args.demo_dir / "ml-backend.log")
        backend.start()
        users = demo_users(server)
        annotators = [users[email] for email in ANNOTATORS]
        print()
        shown_text = run_text_project(server, client, backend, annotators, args.demo_dir)
        print()
        shown_images = run_image_project(server, client, backend, annotators, args.demo_dir)
        print_where(server, backend, shown_text, shown_images, config_path, args.demo_dir)
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
