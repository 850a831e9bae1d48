"""`labelops preannotate`: predictions in bulk for every task lacking one of the current model version."""

from __future__ import annotations

import argparse
import sys

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared
from sdk_scripts.extras import require_extra


def cmd_preannotate(args: argparse.Namespace) -> int:
    if not args.backend:
        require_extra("backend", "`labelops preannotate` without --backend (the model runs in this process)")
    from sdk_scripts.cli.context import backend, label_studio
    from sdk_scripts.preannotate import preannotate

    in_process = None
    if not args.backend:
        from ml_backend.model import in_process_predictor as in_process

    client = label_studio(args)
    project_id = int(client.project(args.project)["id"])
    target = backend(args) if args.backend else None
    r = preannotate(client, project_id, backend_url=target.url if target else None, batch_size=args.batch_size,
                    only_unlabeled=args.only_unlabeled, concurrency=args.concurrency, progress=sys.stderr.isatty(),
                    in_process=in_process, auth=target.auth if target else None)
    print(f"project {project_id}, model_version {r.model_version}: {r.predicted} tasks predicted "
          f"({r.empty} empty), {r.skipped_existing} already had this version, {r.skipped_labeled} labeled skipped")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    pre = shared.command(commands, "preannotate", cmd_preannotate,
                         "store predictions for every task lacking one of the current model version",
                         parents=[shared.project])
    # Not the shared --backend: here no URL means the model runs in this process ($LABELOPS_BACKEND_URL is not read).
    pre.add_argument("--backend", metavar="URL", help="backend URL (default: run the model in this process); "
                     "basic auth from LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD")
    pre.add_argument("--batch-size", type=types.positive_int, default=16, help="tasks per /predict call (default 16)")
    pre.add_argument("--only-unlabeled", action="store_true", help="skip tasks that already have annotations")
    pre.add_argument("--concurrency", type=types.positive_int, default=2, help="batches in flight at once (default 2)")
