"""`labelops preannotate`: predictions in bulk for every task lacking one of the current model version."""

from __future__ import annotations

import argparse
import sys

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared
from sdk_scripts.extras import require_extra

ENGINES = ("in-process", "backend", "ray")
RAY_OPTIONS = ("address", "actors", "gpus_per_actor")


def engine_of(args: argparse.Namespace) -> str:
    """--engine, else `backend` with --backend URL, else `in-process`."""
    return args.engine or ("backend" if args.backend else "in-process")


def check_preannotate_arguments(args: argparse.Namespace) -> str | None:
    """The Ray options go with --engine ray only; --backend URL with the backend engine only."""
    engine = engine_of(args)
    given = [f"--{name.replace('_', '-')}" for name in RAY_OPTIONS if getattr(args, name) is not None]
    if given and engine != "ray":
        return f"argument {given[0]}: only with --engine ray"
    if args.backend and engine != "backend":
        return f"argument --backend: not with --engine {engine} (the backend engine sends tasks to that URL)"
    return None


def _print(project_id: int, r) -> None:  # r: PreannotateResult
    print(f"project {project_id}, model_version {r.model_version}: {r.predicted} tasks predicted "
          f"({r.empty} empty), {r.skipped_existing} already had this version, {r.skipped_labeled} labeled skipped")


def cmd_preannotate(args: argparse.Namespace) -> int:
    engine = engine_of(args)
    if engine == "ray":
        return _on_ray(args)
    if engine == "in-process":
        require_extra("backend", "`labelops preannotate` without --backend (the model runs in this process)")
    from sdk_scripts.cli.context import backend, label_studio
    from sdk_scripts.preannotate import preannotate

    in_process = None
    if engine == "in-process":
        from ml_backend.model import in_process_predictor as in_process

    client = label_studio(args)
    project_id = int(client.project(args.project)["id"])
    target = backend(args) if engine == "backend" else None
    r = preannotate(client, project_id, backend_url=target.url if target else None, batch_size=args.batch_size,
                    only_unlabeled=args.only_unlabeled, concurrency=args.concurrency, progress=sys.stderr.isatty(),
                    in_process=in_process, auth=target.auth if target else None)
    _print(project_id, r)
    return 0


def _on_ray(args: argparse.Namespace) -> int:
    """The Ray engine: this process drives, the cluster's actors predict (they need labelops[backend,ray])."""
    require_extra("ray", "`labelops preannotate --engine ray`")
    from ml_backend.batch_predictor import BatchPredictor, SettingsOverrides, describe
    from sdk_scripts.cli.context import connection
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.preannotate_ray import RayEngine, RayModel, check_reachable, cluster_address, preannotate_on_ray

    address = cluster_address(args.address)
    if address not in (None, "auto", "local"):
        check_reachable(address)  # before anything else: a wrong address is one error naming it
    ls = connection(args)
    overrides = SettingsOverrides.here(ls.url, ls.api_key)
    client = LabelStudioClient(ls)
    project_id = int(client.project(args.project)["id"])
    engine = RayEngine(address=args.address, actors=args.actors or 1, gpus_per_actor=args.gpus_per_actor or 0.0,
                       batch_size=args.batch_size)
    r = preannotate_on_ray(client, project_id, RayModel(BatchPredictor, describe, overrides), engine,
                           only_unlabeled=args.only_unlabeled, progress=sys.stderr.isatty())
    _print(project_id, r)
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    pre = shared.command(commands, "preannotate", cmd_preannotate,
                         "store predictions for every task lacking one of the current model version",
                         parents=[shared.project])
    pre.add_argument("--engine", choices=ENGINES, default=None,
                     help="where the model runs: in-process (default without --backend), backend (default with "
                          "--backend URL, else $LABELOPS_BACKEND_URL) or ray (an actor pool on a Ray cluster; "
                          "pip install 'labelops[ray]')")
    # Not the shared --backend: here no URL means the model runs in this process ($LABELOPS_BACKEND_URL is not read).
    pre.add_argument("--backend", metavar="URL", help="backend URL (default: run the model in this process); "
                     "basic auth from LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD")
    pre.add_argument("--batch-size", type=types.positive_int, default=16,
                     help="tasks per /predict call, or per model call on a Ray actor (default 16)")
    pre.add_argument("--only-unlabeled", action="store_true", help="skip tasks that already have annotations")
    pre.add_argument("--concurrency", type=types.positive_int, default=2,
                     help="batches in flight at once, in-process and backend engines (default 2)")
    ray = pre.add_argument_group("--engine ray")
    ray.add_argument("--address", metavar="ADDRESS", default=None,
                     help="the Ray cluster this machine is a node of: host:port (the head's GCS port) or auto "
                          "(default: $RAY_ADDRESS, else a Ray instance started on this machine for the run)")
    ray.add_argument("--actors", type=types.positive_int, default=None, metavar="N",
                     help="actors in the pool, each loading the model once (default 1)")
    ray.add_argument("--gpus-per-actor", type=types.float_between(0.0, 64.0), default=None, metavar="G",
                     help="GPUs each actor reserves, fractions allowed (default 0: CPU)")
    pre.set_defaults(check_arguments=check_preannotate_arguments)
