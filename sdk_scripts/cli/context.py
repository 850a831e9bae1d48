"""What a command connects to, built from its arguments in one place: Label Studio, our ML backend, the loop's state.

Each import happens inside the function (the SDK behind the client is loaded only when a command runs).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sdk_scripts.cli.common import BACKEND_ENV
from sdk_scripts.errors import LabelopsError

if TYPE_CHECKING:
    from sdk_scripts.labelstudio.backend_api import Auth
    from sdk_scripts.labelstudio.client import LabelStudioClient
    from sdk_scripts.labelstudio.connection import Connection
    from sdk_scripts.review.project_state import ProjectState


def connection(args: argparse.Namespace) -> Connection:
    """Label Studio's URL and token: the environment, else --config / LABELOPS_CONFIG, else the default file."""
    from sdk_scripts.labelstudio.connection import load_connection

    return load_connection(args.config)


def label_studio(args: argparse.Namespace) -> LabelStudioClient:
    """The retrying Label Studio client for the configured server."""
    from sdk_scripts.labelstudio.client import LabelStudioClient

    return LabelStudioClient(connection(args))


@dataclass(frozen=True)
class Backend:
    """Our ML backend: its URL and the basic-auth credentials it needs (None without)."""

    url: str
    auth: Auth | None = field(default=None, repr=False)


def backend(args: argparse.Namespace, url: str | None = None) -> Backend:
    """The backend at `url` (a command's URL argument), else --backend, else $LABELOPS_BACKEND_URL; its
    credentials from LABELOPS_BACKEND_USER / LABELOPS_BACKEND_PASSWORD."""
    from sdk_scripts.labelstudio.backend_api import backend_auth

    if url is None:
        url = args.backend or os.environ.get(BACKEND_ENV, "")
        if not url:
            raise LabelopsError(f"give the ML backend's URL with --backend URL (or {BACKEND_ENV})")
    return Backend(url, backend_auth())


def review_state(args: argparse.Namespace, client: LabelStudioClient, *, overlap: bool = True) -> ProjectState:
    """The review loop's state of PROJECT (--review-project, --threshold), scored by task agreement; `overlap=False`
    for commands that never read the tasks' overlap or is_labeled (one listing less)."""
    from sdk_scripts.agreement.engine import per_task_scores
    from sdk_scripts.review.project_state import load_project_state

    return load_project_state(client, args.project, per_task_scores, threshold=args.threshold,
                              review_title=args.review_project, overlap=overlap)
