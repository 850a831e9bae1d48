"""`labelops completion bash|zsh|tcsh`: a shell completion script for every command, from the parser (shtab)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from sdk_scripts.cli.common import Shared


def _every_action(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield from _every_action(sub)


def _list_older_names(action: argparse._SubParsersAction) -> None:
    """Older command names are left out of --help's lists; shtab completes only listed commands, so list them."""
    listed = {choice.dest for choice in action._get_subactions()}
    for name, sub in action.choices.items():
        if name not in listed:
            older = action._ChoicesPseudoAction(name, (), f"older name of `labelops {sub.get_default('alias_of')}`")
            action._choices_actions.append(older)


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    from sdk_scripts.cli import build_parser

    parser = build_parser()
    for action in _every_action(parser):  # paths complete as files, directories as directories
        kind = getattr(action.type, "__name__", "")
        if isinstance(action, argparse._SubParsersAction):
            _list_older_names(action)
        elif action.metavar == "DIR" or kind in ("output_dir", "project_or_pull_dir"):
            action.complete = shtab.DIRECTORY
        elif action.type is Path or action.metavar == "FILE" or kind == "output_file":
            action.complete = shtab.FILE
    print(shtab.complete(parser, shell=args.shell), end="")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    completion = shared.command(commands, "completion", cmd_completion, "print a shell completion script",
                                'Print a completion script: eval "$(labelops completion bash)" in ~/.bashrc '
                                "(zsh: labelops completion zsh > a file named _labelops on your $fpath).")
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
