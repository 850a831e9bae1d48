"""`labelops configs list / show / validate`: the shipped labeling configs and checks of any config."""

from __future__ import annotations

import argparse
import sys
import textwrap

from sdk_scripts.cli.common import Shared
from sdk_scripts.errors import LabelopsError


def cmd_configs_list(args: argparse.Namespace) -> int:
    from sdk_scripts.label_config_library import available_configs, description, read_config

    for name in available_configs():
        purpose = description(read_config(name)).split(". ")[0].split(": ", 1)[-1]
        print(f"{name:<22} {textwrap.shorten(purpose, 76, placeholder=' ...')}")
    return 0


def cmd_configs_show(args: argparse.Namespace) -> int:
    from sdk_scripts.label_config_library import read_config, resolve_config, template_parameters

    xml = read_config(args.name)
    print(f"# {resolve_config(args.name)}")
    params = template_parameters(xml, source=args.name)
    if params:
        print("# template parameters (set with `labels:` in a project spec):")
        for control, labels in params.items():
            print(f"#   {control}: {', '.join(labels)}")
    print(xml, end="" if xml.endswith("\n") else "\n")
    return 0


def _validation_server(args: argparse.Namespace) -> str | None:
    """--server, else the configured Label Studio (if any), else None (offline checks only)."""
    if args.offline:
        return None
    if args.server:
        return args.server
    from sdk_scripts.cli.context import connection

    try:
        return connection(args).url
    except LabelopsError:  # no Label Studio configured: the offline checks alone
        return None


def cmd_configs_validate(args: argparse.Namespace) -> int:
    from sdk_scripts.label_config_library import ServerUnavailable, read_config, resolve_config, validate_config

    server = _validation_server(args)
    failed = 0
    for name in args.files:
        try:
            path = resolve_config(name)
            validate_config(read_config(name), source=str(path), server=server)
            print(f"ok      {path}")
        except ServerUnavailable:
            raise
        except LabelopsError as exc:
            print(f"labelops: error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    configs = shared.group(commands, "configs", "the shipped labeling configs",
                           "List, show and validate labeling configs.")
    shared.command(configs, "list", cmd_configs_list, "list the shipped configs and what each is for")
    show = shared.command(configs, "show", cmd_configs_show, "print a config and its template parameters")
    show.add_argument("name", help="config name (see `labelops configs list`) or path to an XML file")
    validate = shared.command(configs, "validate", cmd_configs_validate, "validate configs: Label Studio's checks "
                              "offline, plus the server's own when one is configured")
    validate.add_argument("files", nargs="+", metavar="FILE", help="XML files or shipped config names")
    where = validate.add_mutually_exclusive_group()
    where.add_argument("--server", metavar="URL",
                       help="also ask this Label Studio (default: LABEL_STUDIO_URL / the config file, if set)")
    where.add_argument("--offline", action="store_true", help="only the offline checks, even if a server is set")
