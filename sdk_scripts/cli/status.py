"""`labelops status`: where a multi-pass project stands, on one screen."""

from __future__ import annotations

import argparse

from sdk_scripts.cli.common import Shared


def cmd_status(args: argparse.Namespace) -> int:
    from sdk_scripts.autolabel.render import auto_status_lines
    from sdk_scripts.cli.context import label_studio, review_state
    from sdk_scripts.quality.gold_eval import evaluate_gold
    from sdk_scripts.quality.gold_render import gold_status_lines
    from sdk_scripts.review.status import status_lines

    client = label_studio(args)
    state = review_state(args, client, overlap=False)
    gold = evaluate_gold(state.source["label_config"], state.tasks, state.emails)
    evaluation = bool(state.source.get("annotator_evaluation_enabled"))
    lines = status_lines(state, client.url) + auto_status_lines(state.tasks, state.reviews) \
        + gold_status_lines(gold, evaluation)
    print("\n".join(lines))
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    shared.command(commands, "status", cmd_status, "one screen: task states, annotators, open reviews, agreement, gold",
                   "Where a multi-pass project stands.", parents=[shared.review_state])
