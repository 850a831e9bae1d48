"""The active-learning commands of `labelops`: `al status` and `backend rollback` (parsing and printing only)."""

from __future__ import annotations

import argparse
import json
import os

from sdk_scripts.cli_review import client_from_args
from sdk_scripts.labelstudio.project_ids import project_uid

BACKEND_ENV = "LABELOPS_BACKEND_URL"


def _backend(args: argparse.Namespace) -> str:
    from sdk_scripts.errors import LabelopsError

    url = args.backend or os.environ.get(BACKEND_ENV, "")
    if not url:
        raise LabelopsError(f"give the ML backend's URL with --backend URL (or {BACKEND_ENV})")
    return url


def _fmt(value: object, digits: int = 3) -> str:
    return "-" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def cmd_al_status(args: argparse.Namespace) -> int:
    from sdk_scripts.al_queue import UNCERTAINTY_SAMPLING, next_tasks
    from sdk_scripts.labelstudio.backend_api import backend_al_status

    client = client_from_args(args)
    project = client.project(args.project)
    backend = backend_al_status(_backend(args), project_uid(project))
    version = project.get("model_version") or ""
    queue, missing = next_tasks(list(client.iter_tasks(int(project["id"]))), version, args.limit)
    per_version = client.model_versions(int(project["id"]))
    if args.json:
        print(json.dumps({"project": project["id"], "sampling": project.get("sampling"), "model_version": version,
                          "backend": backend, "predictions_per_version": per_version,
                          "next": [q.__dict__ for q in queue],
                          "unlabeled_without_current_prediction": missing}, indent=1, default=str))
        return 0
    print(f"project {project['id']} ({project.get('title')}): model_version {version or '(none)'}, "
          f"sampling {project.get('sampling')!r}, strategy {backend.get('strategy')}")
    if project.get("sampling") != UNCERTAINTY_SAMPLING:
        print(f"  note: Label Studio only serves by prediction score under {UNCERTAINTY_SAMPLING!r}")
    served = backend.get("model_version")
    if served and served != version:
        print(f"  note: the backend serves {served} but the project is on {version or '(none)'}")
    training = backend.get("training") or {}
    print(f"training: {'running' if training.get('running') else 'idle'}"
          f"{', follow-up queued' if training.get('follow_up_queued') else ''}; "
          f"{training.get('new_annotations_since_last_run', 0)} new annotation(s) since the last run "
          f"(a run starts at {training.get('min_new_annotations')})")
    print("predictions in Label Studio:")
    for name, count in per_version.items():
        print(f"  {name}: {count} predictions{'  (current)' if name == version else ''}")
    print("history:")
    history = backend.get("history") or []
    if not history:
        print("  no training run yet (zero-shot / shipped weights)")
    for entry in history[len(history) - args.history:] if args.history else []:
        if entry.get("event") == "trained":
            figures = "; ".join(
                f"{name}: {c.get('examples', 0)} examples, validation "
                f"{_fmt(c.get('validation_accuracy', c.get('validation_map50')))}" if "error" not in c
                else f"{name}: not retrained ({c['error']})" for name, c in (entry.get("controls") or {}).items())
            print(f"  {entry['at']}  {entry['model_version']}  {entry.get('annotated_tasks')} annotated tasks, "
                  f"{entry.get('predicted')} re-predicted, {entry.get('seconds')} s  [{figures}]")
        elif entry.get("event") == "rollback":
            print(f"  {entry['at']}  rollback to {entry.get('model_version')} (from v{entry.get('from_version')})")
        else:
            print(f"  {entry['at']}  FAILED run v{entry.get('version')}: {entry.get('error')}")
    print(f"next {len(queue)} task(s) Label Studio will serve (lowest score first = most valuable to label):")
    for rank, q in enumerate(queue, 1):
        snippet = q.text.replace("\n", " ")[:60]
        print(f"  {rank:2d}. task {q.task_id}  score {q.score:.3f}  predicted {q.predicted}  {snippet!r}")
    if missing:
        print(f"  ({missing} unlabeled task(s) have no prediction of {version or 'the project version'}; "
              "they are served after these, at random)")
    return 0


def cmd_backend_rollback(args: argparse.Namespace) -> int:
    from sdk_scripts.labelstudio.backend_api import backend_rollback

    client = client_from_args(args)
    project = client.project(args.project)
    r = backend_rollback(_backend(args), project_uid(project))
    print(f"project {project['id']} now served by {r['model_version']} (was v{r['from_version']}); "
          f"{r['predicted']} unlabeled task(s) re-predicted, project model_version switched")
    return 0


def register(commands: argparse._SubParsersAction, backend_sub: argparse._SubParsersAction) -> None:
    from sdk_scripts import arg_types as types

    al = commands.add_parser("al", help="active learning: the training loop's state",
                             description="Active learning: what the backend has trained and what comes next.")
    al_sub = al.add_subparsers(dest="al_command", metavar="ACTION", required=True)
    status = al_sub.add_parser("status", help="model version, training history, the next tasks Label Studio serves",
                               description="Current model version, training history (annotations used, "
                               "validation accuracy), and the next tasks Label Studio will serve, with their scores.")
    status.add_argument("project", type=types.project_ref, help="project id or exact title")
    status.add_argument("--backend", metavar="URL", help=f"ML backend URL (default: ${BACKEND_ENV})")
    status.add_argument("--limit", type=types.non_negative_int, default=10,
                        help="how many queued tasks to show (default 10)")
    status.add_argument("--history", type=types.non_negative_int, default=10,
                        help="how many history entries to show (default 10)")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=cmd_al_status)

    rollback = backend_sub.add_parser("rollback", help="serve the previous trained version again",
                                      description="Serve the previous kept model version of a project: the backend "
                                      "re-predicts unlabeled tasks with it and switches the project's model_version.")
    rollback.add_argument("project", type=types.project_ref, help="project id or exact title")
    rollback.add_argument("--backend", metavar="URL", help=f"ML backend URL (default: ${BACKEND_ENV})")
    rollback.set_defaults(func=cmd_backend_rollback)
