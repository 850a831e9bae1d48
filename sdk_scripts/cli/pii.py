"""`labelops pii scan`: personal data by type in a task file; nothing is sent anywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

from sdk_scripts.cli.common import Shared
from sdk_scripts.extras import require_extra


def cmd_pii_scan(args: argparse.Namespace) -> int:
    require_extra("pii", "`labelops pii scan`")
    from collections import Counter

    from sdk_scripts.pii.detect import find_pii
    from sdk_scripts.task_files import read_task_file

    counts: Counter = Counter()
    tasks_with = 0
    records = read_task_file(args.file)
    for record in records:
        found = [f for value in record.payload["data"].values() if isinstance(value, str)
                 for f in find_pii(value, args.ner_model)]
        counts.update(f.entity for f in found)
        tasks_with += bool(found)
    print(f"{args.file}: {len(records)} tasks, {tasks_with} with personal data")
    for kind, n in sorted(counts.items()):
        print(f"  {kind:<15} {n}")
    if not args.ner_model:
        print("  (person names are not searched for: give --ner-model PATH to a spaCy model to find them)")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    pii = shared.group(commands, "pii", "find personal data in task files",
                       "Find personal data in a task file; nothing is sent anywhere.")
    scan = shared.command(pii, "scan", cmd_pii_scan, "count personal data by type in a JSON/JSONL/CSV task file")
    scan.add_argument("file", type=Path, help="task file")
    scan.add_argument("--ner-model", metavar="PATH", help="a local spaCy model directory, to find person names too")
