"""`labelops project create`: the Label Studio project a YAML/TOML spec describes."""

from __future__ import annotations

import argparse
from pathlib import Path

from sdk_scripts.cli.common import Shared


def cmd_project_create(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.project_setup import apply_spec
    from sdk_scripts.project_spec import load_spec

    spec = load_spec(args.spec)
    client = label_studio(args)
    result = apply_spec(client, spec)
    project = result.project
    detail = f" ({', '.join(result.changes)})" if result.changes else ""
    print(f"{result.action} project {project['id']} {project['title']!r}{detail}")
    print(f"  annotators per task: {project.get('maximum_annotations')}")
    for number, tier in enumerate(spec.tiers, 1):
        print(f"  review tier {number}: {tier.describe()}")
    if spec.tiers:
        print(f"  (`labelops review push {project['id']} --spec {args.spec}` routes each task to the first tier "
              "that matches, else to the default review project)")
    print(f"  {client.url}/projects/{project['id']}/data")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    project = shared.group(commands, "project", "create projects from a spec",
                           "Create and update Label Studio projects.")
    create = shared.command(project, "create", cmd_project_create,
                            "create the project a YAML/TOML spec describes (reuses a project with the same title)")
    create.add_argument("spec", type=Path, help="project spec file (.yaml, .yml or .toml)")
