"""The options many commands share, as argparse parent parsers, and the one way a command or group is added."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from sdk_scripts.cli import arg_types as types  # strict argument checks (stdlib only: --help stays fast)

Handler = Callable[[argparse.Namespace], int]
BACKEND_ENV = "LABELOPS_BACKEND_URL"
CONFIG_HELP = "TOML file with the Label Studio url and api_key"
VERBOSE_HELP = "more log output (-v info, -vv debug)"
QUIET_HELP = "less log output (errors only)"


class Version(argparse.Action):
    """`--version`: the installed package's version, read only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show labelops's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from sdk_scripts import __version__

        print(f"labelops {__version__}")
        parser.exit()


def add_root_options(parser: argparse.ArgumentParser) -> None:
    """--version, --config, -v, -q before the command (`labelops -v --config FILE pull ...`)."""
    parser.add_argument("--version", action=Version)
    parser.add_argument("--config", type=Path, help=CONFIG_HELP)
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    parser.add_argument("-q", "--quiet", action="count", default=0, help=QUIET_HELP)


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


def _after_command() -> argparse.ArgumentParser:
    """--config, -v, -q again after the command. No defaults: argparse copies a subcommand's values over the
    top-level ones, so a default here would undo `labelops --config FILE pull`; the counts after the
    command go to their own names and are added to those before it (`logs.log_level`)."""
    parent = _parent()
    group = parent.add_argument_group("global options (also accepted before the command)")
    group.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=CONFIG_HELP)
    group.add_argument("-v", "--verbose", action="count", dest="verbose_after", default=argparse.SUPPRESS,
                       help=VERBOSE_HELP)
    group.add_argument("-q", "--quiet", action="count", dest="quiet_after", default=argparse.SUPPRESS,
                       help=QUIET_HELP)
    return parent


def _project() -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument("project", type=types.project_ref, help="project id or exact title")
    return parent


def _review_state() -> argparse.ArgumentParser:
    """PROJECT, --review-project and --threshold: what every command reading the review loop's state takes."""
    parent = _parent()
    parent.add_argument("project", type=types.project_ref, help="source project id or exact title")
    parent.add_argument("--review-project", metavar="TITLE", type=types.project_title,
                        help="review project title (default: '<source title> [review]')")
    parent.add_argument("--threshold", type=types.fraction, default=0.8,
                        help="per-task agreement in [0, 1] below which a task needs review (default 0.8)")
    return parent


def _backend() -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument("--backend", metavar="URL", help=f"ML backend URL (default: ${BACKEND_ENV})")
    return parent


def _json() -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument("--json", action="store_true", help="print JSON")
    return parent


class Shared:
    """What every command module's `register(commands, shared)` gets: the parent parsers for the options
    several commands take, and `command` / `group` to add a command (every command also takes --config,
    -v, -q after its name) or a group of them, under its name or as an older name (`alias_of`)."""

    def __init__(self) -> None:
        self.project = _project()  # PROJECT (id or exact title)
        self.review_state = _review_state()  # PROJECT, --review-project, --threshold
        self.backend = _backend()  # --backend URL, default $LABELOPS_BACKEND_URL
        self.json = _json()  # --json
        self.after_command = _after_command()  # --config, -v, -q

    def command(self, sub: argparse._SubParsersAction, name: str, func: Handler, help_text: str,
                description: str | None = None, parents: Sequence[argparse.ArgumentParser] = (),
                alias_of: str | None = None) -> argparse.ArgumentParser:
        """A command running `func`, taking the options of `parents` first, then its own."""
        parser = _add_parser(sub, name, help_text, description, [*parents, self.after_command], alias_of)
        parser.set_defaults(func=func)
        return parser

    def group(self, sub: argparse._SubParsersAction, name: str, help_text: str, description: str,
              alias_of: str | None = None) -> argparse._SubParsersAction:
        """A command group; its actions are added to the returned subparsers."""
        parser = _add_parser(sub, name, help_text, description, [], alias_of)
        return parser.add_subparsers(dest=f"{name.replace('-', '_')}_command", metavar="ACTION", required=True)


def _add_parser(sub: argparse._SubParsersAction, name: str, help_text: str, description: str | None,
                parents: list[argparse.ArgumentParser], alias_of: str | None) -> argparse.ArgumentParser:
    """An older name (`alias_of` says the current one) is left out of its parent's command list (no help=),
    says what it stands for, and carries `alias_of` as a parser default for the help epilog and the docs."""
    description = description or help_text
    if alias_of is None:
        return sub.add_parser(name, help=help_text, description=description, parents=parents)
    parser = sub.add_parser(name, description=f"Older name of `labelops {alias_of}`, still accepted. {description}",
                            parents=parents)
    parser.set_defaults(alias_of=alias_of)
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction]:
    return [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]


def older_names(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, str]:
    """{older command name: its current name} over the whole parser tree (commands only: an older group name
    shows through its commands, `al status = backend status`)."""
    found: dict[str, str] = {}
    for action in _subparsers(parser):
        for name, sub in action.choices.items():
            path = f"{prefix}{name}"
            alias_of = sub.get_default("alias_of")
            if alias_of and not _subparsers(sub):
                found[path] = alias_of
            found.update(older_names(sub, f"{path} "))
    return found
