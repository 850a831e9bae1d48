"""`labelops status`: where a multi-pass project stands, on one screen."""

from __future__ import annotations

import argparse

from sdk_scripts.cli.common import Shared


def cmd_status(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio, review_state
    from sdk_scripts.review.status import status_lines

    client = label_studio(args)
    print("\n".join(status_lines(review_state(args, client), client.url)))
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    shared.command(commands, "status", cmd_status, "one screen: task states, annotators, open reviews, agreement",
                   "Where a multi-pass project stands.", parents=[shared.review_state])
