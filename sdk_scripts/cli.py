"""The `labelops` command line: argument parsing and printing only; the work is in the other modules.

Every user-fixable problem surfaces as one `labelops: error: ...` line on stderr and exit code 1
(argument errors: exit 2, as argparse does). A command's heavy imports (the SDK, numpy, torch) happen
inside the command, so `--help`, `--version` and completion answer without them (bench/cli_startup.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.extras import extra_of, install_hint, require_extra
from sdk_scripts.labelstudio.strategy_names import ALL_STRATEGIES


def _client(args: argparse.Namespace):
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.labelstudio.connection import load_connection

    return LabelStudioClient(load_connection(args.config))


# -- configs ---------------------------------------------------------------------------------


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
    from sdk_scripts.labelstudio.connection import load_connection

    try:
        return load_connection(args.config).url
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


# -- project ---------------------------------------------------------------------------------


def cmd_project_create(args: argparse.Namespace) -> int:
    from sdk_scripts.project_setup import apply_spec
    from sdk_scripts.project_spec import load_spec

    spec = load_spec(args.spec)
    client = _client(args)
    result = apply_spec(client, spec)
    project = result.project
    detail = f" ({', '.join(result.changes)})" if result.changes else ""
    print(f"{result.action} project {project['id']} {project['title']!r}{detail}")
    print(f"  annotators per task: {project.get('maximum_annotations')}")
    print(f"  {client.url}/projects/{project['id']}/data")
    return 0


# -- tasks -----------------------------------------------------------------------------------


def cmd_tasks_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sdk_scripts.task_import import import_task_file

    client = _client(args)
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


# -- pull ------------------------------------------------------------------------------------


def cmd_pull(args: argparse.Namespace) -> int:
    from sdk_scripts.pull import pull_project

    report = pull_project(_client(args), args.project, args.out, page_size=args.page_size)
    print(f"pulled {report.tasks} tasks, {report.annotations} annotations, "
          f"{report.predictions} predictions into {report.out_dir}")
    return 0


# -- ML backend ------------------------------------------------------------------------------


def cmd_serve_backend(args: argparse.Namespace) -> int:
    require_extra("backend", "`labelops serve-backend`")
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
    from sdk_scripts.ml_backend_link import connect_backend

    client = _client(args)
    project_id = int(client.project(args.project)["id"])
    r = connect_backend(client, project_id, args.url, predict_on_load=args.predict_on_load, strategy=args.strategy,
                        train_every=args.train_every)
    extra = f", removed duplicate rows {r.removed_duplicates}" if r.removed_duplicates else ""
    print(f"{'connected' if r.created else 'already connected'}: ML backend {r.backend_id} ({args.url}) "
          f"on project {project_id}, model_version {r.model_version}{extra}")
    return 0


def cmd_preannotate(args: argparse.Namespace) -> int:
    if not args.backend:
        require_extra("backend", "`labelops preannotate` without --backend (the model runs in this process)")
    from sdk_scripts.preannotate import preannotate

    in_process = None
    if not args.backend:
        from ml_backend.model import in_process_predictor as in_process

    client = _client(args)
    project_id = int(client.project(args.project)["id"])
    r = preannotate(client, project_id, backend_url=args.backend, batch_size=args.batch_size,
                    only_unlabeled=args.only_unlabeled, concurrency=args.concurrency,
                    progress=sys.stderr.isatty(), in_process=in_process)
    print(f"project {project_id}, model_version {r.model_version}: {r.predicted} tasks predicted "
          f"({r.empty} empty), {r.skipped_existing} already had this version, {r.skipped_labeled} labeled skipped")
    return 0


# -- shell completion ------------------------------------------------------------------------


def _every_action(parser: argparse.ArgumentParser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield from _every_action(sub)


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    parser = build_parser()
    for action in _every_action(parser):  # paths complete as files, directories as directories
        kind = getattr(action.type, "__name__", "")
        if action.metavar == "DIR" or kind in ("output_dir", "project_or_pull_dir"):
            action.complete = shtab.DIRECTORY
        elif action.type is Path or action.metavar == "FILE" or kind == "output_file":
            action.complete = shtab.FILE
    print(shtab.complete(parser, shell=args.shell), end="")
    return 0


# -- parser ----------------------------------------------------------------------------------


class _Version(argparse.Action):
    """`--version`: the installed package's version, read only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show labelops's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from sdk_scripts import __version__

        print(f"labelops {__version__}")
        parser.exit()


def _add(sub: argparse._SubParsersAction, name: str, func: Callable[[argparse.Namespace], int],
         help_text: str, description: str | None = None) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=description or help_text)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    from sdk_scripts import arg_types as types  # strict argument checks (stdlib only: --help stays fast)

    parser = argparse.ArgumentParser(
        prog="labelops",
        description="Quality tooling for Label Studio. Connection: LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, "
        "or [label_studio] url/api_key in ~/.config/labelops/config.toml (or --config / LABELOPS_CONFIG).",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--config", type=Path, help="TOML file with the Label Studio url and api_key")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v info, -vv debug)")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="less log output (errors only)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    configs = commands.add_parser("configs", help="the shipped labeling configs",
                                  description="List, show and validate labeling configs.")
    configs_sub = configs.add_subparsers(dest="configs_command", metavar="ACTION", required=True)
    _add(configs_sub, "list", cmd_configs_list, "list the shipped configs and what each is for")
    show = _add(configs_sub, "show", cmd_configs_show, "print a config and its template parameters")
    show.add_argument("name", help="config name (see `labelops configs list`) or path to an XML file")
    validate = _add(configs_sub, "validate", cmd_configs_validate,
                    "validate configs: Label Studio's checks offline, plus the server's own when one is configured")
    validate.add_argument("files", nargs="+", metavar="FILE", help="XML files or shipped config names")
    where = validate.add_mutually_exclusive_group()
    where.add_argument("--server", metavar="URL",
                       help="also ask this Label Studio (default: LABEL_STUDIO_URL / the config file, if set)")
    where.add_argument("--offline", action="store_true", help="only the offline checks, even if a server is set")

    project = commands.add_parser("project", help="create projects from a spec",
                                  description="Create and update Label Studio projects.")
    project_sub = project.add_subparsers(dest="project_command", metavar="ACTION", required=True)
    create = _add(project_sub, "create", cmd_project_create,
                  "create the project a YAML/TOML spec describes (reuses a project with the same title)")
    create.add_argument("spec", type=Path, help="project spec file (.yaml, .yml or .toml)")

    tasks = commands.add_parser("tasks", help="import tasks", description="Import tasks into a project.")
    tasks_sub = tasks.add_subparsers(dest="tasks_command", metavar="ACTION", required=True)
    imp = _add(tasks_sub, "import", cmd_tasks_import,
               "import a JSON/JSONL/CSV task file; tasks already in the project are skipped")
    imp.add_argument("project", type=types.project_ref, help="project id or exact title")
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

    pii = commands.add_parser("pii", help="find personal data in task files",
                              description="Find personal data in a task file; nothing is sent anywhere.")
    pii_sub = pii.add_subparsers(dest="pii_command", metavar="ACTION", required=True)
    scan = _add(pii_sub, "scan", cmd_pii_scan, "count personal data by type in a JSON/JSONL/CSV task file")
    scan.add_argument("file", type=Path, help="task file")
    scan.add_argument("--ner-model", metavar="PATH", help="a local spaCy model directory, to find person names too")

    pull = _add(commands, "pull", cmd_pull, "write all tasks with annotations and predictions to a directory")
    pull.add_argument("project", type=types.project_ref, help="project id or exact title")
    pull.add_argument("--out", type=types.output_dir, required=True, metavar="DIR", help="output directory")
    pull.add_argument("--page-size", type=types.positive_int, default=100, help="tasks per API page (default 100)")

    serve = _add(commands, "serve-backend", cmd_serve_backend,
                 "serve the labelops ML backend with gunicorn (settings: env vars / LABELOPS_BACKEND_CONFIG)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=types.port, default=9090)
    serve.add_argument("--workers", type=types.positive_int, default=1, help="gunicorn worker processes (default 1)")
    serve.add_argument("--threads", type=types.positive_int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--strategy", choices=ALL_STRATEGIES,
                       help="default active-learning order (AL_STRATEGY; default least-confidence)")

    backend = commands.add_parser("backend", help="connect an ML backend to a project",
                                  description="Register ML backends with Label Studio projects.")
    backend_sub = backend.add_subparsers(dest="backend_command", metavar="ACTION", required=True)
    connect = _add(backend_sub, "connect", cmd_backend_connect,
                   "register the backend with a project (idempotent) and set the project's model_version")
    connect.add_argument("project", type=types.project_ref, help="project id or exact title")
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

    pre = _add(commands, "preannotate", cmd_preannotate,
               "store predictions for every task lacking one of the current model version")
    pre.add_argument("project", type=types.project_ref, help="project id or exact title")
    pre.add_argument("--backend", metavar="URL", help="backend URL (default: run the model in this process); "
                     "basic auth from LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD")
    pre.add_argument("--batch-size", type=types.positive_int, default=16, help="tasks per /predict call (default 16)")
    pre.add_argument("--only-unlabeled", action="store_true", help="skip tasks that already have annotations")
    pre.add_argument("--concurrency", type=types.positive_int, default=2, help="batches in flight at once (default 2)")

    from sdk_scripts import cli_agreement, cli_al, cli_governance, cli_review

    cli_al.register(commands, backend_sub)
    cli_agreement.register(commands)
    cli_review.register(commands)
    cli_governance.register(commands)

    completion = _add(commands, "completion", cmd_completion, "print a shell completion script",
                      'Print a completion script: eval "$(labelops completion bash)" in ~/.bashrc '
                      "(zsh: labelops completion zsh > a file named _labelops on your $fpath).")
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    return parser


class _LogFormat(logging.Formatter):
    """labelops' own records (loggers under `sdk_scripts`, one per module, or `labelops`) are already
    `labelops: ...` lines; others get `labelops: level: logger:`."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ours = record.name == "labelops" or record.name.startswith("sdk_scripts.")
        return text if ours else f"labelops: {record.levelname.lower()}: {record.name}: {text}"


def _log_to_stderr(level: int) -> Callable[[], None]:
    """Send log records at `level` and above to stderr; returns the undo (main runs in-process in tests)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormat())
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(old_level)

    return undo


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    undo_logging = _log_to_stderr(min(max(logging.WARNING + 10 * (args.quiet - args.verbose), logging.DEBUG),
                                      logging.CRITICAL))
    try:
        return args.func(args)
    except LabelopsError as exc:
        print(f"labelops: error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:  # a module of an extra that is not installed
        extra = extra_of(exc.name or "")
        if extra is None:
            raise
        print(f"labelops: error: {install_hint(extra, [exc.name or ''])}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("labelops: interrupted", file=sys.stderr)
        return 130
    finally:
        undo_logging()


if __name__ == "__main__":
    sys.exit(main())
