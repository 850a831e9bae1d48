"""`labelops backend serve / connect / status / rollback`: the ML backend, and the older names
`serve-backend` and `al status`."""

from __future__ import annotations

import argparse
import json
import os

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared
from sdk_scripts.errors import LabelopsError
from sdk_scripts.extras import require_extra
from sdk_scripts.labelstudio.strategy_names import ALL_STRATEGIES


def cmd_serve_backend(args: argparse.Namespace) -> int:
    require_extra("backend", f"`{args.invoked_as}`")
    from ml_backend.__main__ import check_startup, serve

    if args.strategy:
        os.environ["AL_STRATEGY"] = args.strategy
    try:
        check_startup()
    except (ValueError, OSError) as exc:  # a backend setting with a bad value (the message names it)
        raise LabelopsError(str(exc)) from None
    serve(args.host, args.port, args.workers, args.threads, check=False)
    return 0


def cmd_backend_connect(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import backend, label_studio
    from sdk_scripts.ml_backend_link import connect_backend

    client = label_studio(args)
    project_id = int(client.project(args.project)["id"])
    target = backend(args, args.url)
    r = connect_backend(client, project_id, target.url, predict_on_load=args.predict_on_load, auth=target.auth,
                        strategy=args.strategy, train_every=args.train_every)
    extra = f", removed duplicate rows {r.removed_duplicates}" if r.removed_duplicates else ""
    print(f"{'connected' if r.created else 'already connected'}: ML backend {r.backend_id} ({args.url}) "
          f"on project {project_id}, model_version {r.model_version}{extra}")
    return 0


def _fmt(value: object, digits: int = 3) -> str:
    return "-" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


# a run's validation figure per tag kind (text head and image classes, detector, segmenter, span tagger)
VALIDATION_FIGURES = {"validation_accuracy": "accuracy", "validation_map50": "mAP50",
                      "validation_mask_map50": "mask mAP50", "validation_entity_f1": "entity F1"}


def _validation(control: dict) -> str:
    key = next((k for k in VALIDATION_FIGURES if k in control), None)
    return "validation -" if key is None else f"validation {VALIDATION_FIGURES[key]} {_fmt(control[key])}"


def _history_line(entry: dict) -> str:
    if entry.get("event") == "trained":
        figures = "; ".join(
            f"{name}: {c.get('examples', 0)} examples, {_validation(c)}" if "error" not in c
            else f"{name}: not retrained ({c['error']})" for name, c in (entry.get("controls") or {}).items())
        return (f"  {entry['at']}  {entry['model_version']}  {entry.get('annotated_tasks')} annotated tasks, "
                f"{entry.get('predicted')} re-predicted, {entry.get('seconds')} s  [{figures}]")
    if entry.get("event") == "rollback":
        return f"  {entry['at']}  rollback to {entry.get('model_version')} (from v{entry.get('from_version')})"
    return f"  {entry['at']}  FAILED run v{entry.get('version')}: {entry.get('error')}"


def cmd_backend_status(args: argparse.Namespace) -> int:
    from sdk_scripts.al_queue import UNCERTAINTY_SAMPLING, next_tasks
    from sdk_scripts.cli.context import backend, label_studio
    from sdk_scripts.labelstudio.backend_api import backend_al_status
    from sdk_scripts.labelstudio.project_ids import project_uid

    client = label_studio(args)
    project = client.project(args.project)
    target = backend(args)
    state = backend_al_status(target.url, project_uid(project), auth=target.auth)
    version = project.get("model_version") or ""
    queue, missing = next_tasks(list(client.iter_tasks(int(project["id"]))), version, args.limit)
    per_version = client.model_versions(int(project["id"]))
    if args.json:
        print(json.dumps({"project": project["id"], "sampling": project.get("sampling"), "model_version": version,
                          "backend": state, "predictions_per_version": per_version,
                          "next": [q.__dict__ for q in queue],
                          "unlabeled_without_current_prediction": missing}, indent=1, default=str))
        return 0
    print(f"project {project['id']} ({project.get('title')}): model_version {version or '(none)'}, "
          f"sampling {project.get('sampling')!r}, strategy {state.get('strategy')}")
    if project.get("sampling") != UNCERTAINTY_SAMPLING:
        print(f"  note: Label Studio only serves by prediction score under {UNCERTAINTY_SAMPLING!r}")
    served = state.get("model_version")
    if served and served != version:
        print(f"  note: the backend serves {served} but the project is on {version or '(none)'}")
    training = state.get("training") or {}
    print(f"training: {'running' if training.get('running') else 'idle'}"
          f"{', follow-up queued' if training.get('follow_up_queued') else ''}; "
          f"{training.get('new_annotations_since_last_run', 0)} new annotation(s) since the last run "
          f"(a run starts at {training.get('min_new_annotations')})")
    print("predictions in Label Studio:")
    for name, count in per_version.items():
        print(f"  {name}: {count} predictions{'  (current)' if name == version else ''}")
    print("history:")
    history = state.get("history") or []
    if not history:
        print("  no training run yet (zero-shot / shipped weights)")
    for entry in history[len(history) - args.history:] if args.history else []:
        print(_history_line(entry))
    print(f"next {len(queue)} task(s) Label Studio will serve (lowest score first = most valuable to label):")
    for rank, q in enumerate(queue, 1):
        snippet = q.text.replace("\n", " ")[:60]
        print(f"  {rank:2d}. task {q.task_id}  score {q.score:.3f}  predicted {q.predicted}  {snippet!r}")
    if missing:
        print(f"  ({missing} unlabeled task(s) have no prediction of {version or 'the project version'}; "
              "they are served after these, at random)")
    return 0


def cmd_backend_rollback(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import backend, label_studio
    from sdk_scripts.labelstudio.backend_api import backend_rollback
    from sdk_scripts.labelstudio.project_ids import project_uid

    client = label_studio(args)
    project = client.project(args.project)
    target = backend(args)
    r = backend_rollback(target.url, project_uid(project), auth=target.auth)
    print(f"project {project['id']} now served by {r['model_version']} (was v{r['from_version']}); "
          f"{r['predicted']} unlabeled task(s) re-predicted, project model_version switched")
    return 0


SERVE_HELP = "serve the labelops ML backend with gunicorn (settings: env vars / LABELOPS_BACKEND_CONFIG)"
STATUS_HELP = "model version, training history, the next tasks Label Studio serves"
STATUS_DESCRIPTION = ("Current model version, training history (annotations used, validation accuracy), and the "
                      "next tasks Label Studio will serve, with their scores.")


def _serve(shared: Shared, sub: argparse._SubParsersAction, name: str, alias_of: str | None = None) -> None:
    serve = shared.command(sub, name, cmd_serve_backend, SERVE_HELP, alias_of=alias_of)
    serve.set_defaults(invoked_as=serve.prog)  # `labelops serve-backend` or `labelops backend serve`
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=types.port, default=9090)
    serve.add_argument("--workers", type=types.positive_int, default=1, help="gunicorn worker processes (default 1)")
    serve.add_argument("--threads", type=types.positive_int, default=8, help="threads per worker (default 8)")
    serve.add_argument("--strategy", choices=ALL_STRATEGIES,
                       help="default active-learning order (AL_STRATEGY; default least-confidence)")


def _status(shared: Shared, sub: argparse._SubParsersAction, name: str, alias_of: str | None = None) -> None:
    status = shared.command(sub, name, cmd_backend_status, STATUS_HELP, STATUS_DESCRIPTION, alias_of=alias_of,
                            parents=[shared.project, shared.backend, shared.json])
    status.add_argument("--limit", type=types.non_negative_int, default=10,
                        help="how many queued tasks to show (default 10)")
    status.add_argument("--history", type=types.non_negative_int, default=10,
                        help="how many history entries to show (default 10)")


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    backend = shared.group(commands, "backend", "the ML backend: serve it, connect it, its training, roll back",
                           "Serve the labelops ML backend, register it with Label Studio projects, see what it has "
                           "trained and what comes next, and serve an earlier trained version.")
    _serve(shared, backend, "serve")
    connect = shared.command(backend, "connect", cmd_backend_connect,
                             "register the backend with a project (idempotent) and set the project's model_version",
                             parents=[shared.project])
    connect.add_argument("url", help="backend URL, e.g. http://127.0.0.1:9090 (a backend with basic auth: set "
                         "LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD; Label Studio stores them too)")
    connect.add_argument("--strategy", choices=ALL_STRATEGIES,
                         help="active-learning order for this project (default: the backend's AL_STRATEGY)")
    connect.add_argument("--predict-on-load", action="store_true",
                         help="retrieve predictions automatically when a task is loaded")
    connect.add_argument("--train-every", type=types.int_at_least(0), metavar="N",
                         help="Label Studio starts training every N annotations (its 'Start model training on "
                         "annotation submission'; default: the backend's TRAIN_MIN_ANNOTATIONS; 0 = only when "
                         "someone presses Start Training)")
    _status(shared, backend, "status")
    shared.command(backend, "rollback", cmd_backend_rollback, "serve the previous trained version again",
                   "Serve the previous kept model version of a project: the backend re-predicts unlabeled tasks "
                   "with it and switches the project's model_version.", parents=[shared.project, shared.backend])

    _serve(shared, commands, "serve-backend", alias_of="backend serve")
    al = shared.group(commands, "al", "active learning: the training loop's state",
                      "`labelops al status` is now `labelops backend status`.", alias_of="backend")
    _status(shared, al, "status", alias_of="backend status")
