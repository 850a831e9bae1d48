"""`labelops tasks import`: a task file into a project, skipping tasks already there, pseudonymised on request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared
from sdk_scripts.extras import require_extra


def cmd_tasks_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.task_import import import_task_file

    client = label_studio(args)
    pseudonymiser_for = None
    if args.pseudonymise:
        require_extra("pii", "--pseudonymise")
        from sdk_scripts.pii.pseudonymise import Pseudonymiser, default_mapping_path, secret_from_env

        secret = secret_from_env()

        def pseudonymiser_for(project: dict) -> Pseudonymiser:
            return Pseudonymiser(secret, args.pii_mapping or default_mapping_path(project["id"]), args.ner_model)

    with tqdm(unit="task", desc="import", disable=not sys.stderr.isatty()) as bar:
        report = import_task_file(client, args.project, args.file, key_field=args.key,
                                  batch_size=args.batch_size, on_batch=bar.update,
                                  pseudonymiser_for=pseudonymiser_for)
    print(f"project {report.project_id}: {report.in_file} tasks in {args.file}, "
          f"{report.already_present} already present, {report.imported} imported")
    if args.pseudonymise:
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(report.pii.items())) or "none found"
        print(f"pseudonymised personal data: {found}")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    tasks = shared.group(commands, "tasks", "import tasks", "Import tasks into a project.")
    imp = shared.command(tasks, "import", cmd_tasks_import,
                         "import a JSON/JSONL/CSV task file; tasks already in the project are skipped",
                         parents=[shared.project])
    imp.add_argument("file", type=Path, help="task file: .json, .jsonl, .csv or .tsv")
    imp.add_argument("--key", metavar="FIELD",
                     help="task data field that identifies a task (default: a hash of the task data)")
    imp.add_argument("--batch-size", type=types.positive_int, default=500,
                     help="tasks per import request (default 500)")
    imp.add_argument("--pseudonymise", action="store_true",
                     help="replace personal data with stable pseudonyms before anything is sent (needs "
                     "LABELOPS_PII_SECRET)")
    imp.add_argument("--pii-mapping", type=Path, metavar="FILE",
                     help="pseudonym mapping file (default ~/.local/share/labelops/pii/project-ID.json, mode 600)")
    imp.add_argument("--ner-model", metavar="PATH", help="a local spaCy model directory, to find person names too")
