"""Links into Label Studio's UI for the pages labelops writes (report, edge-case log)."""

from __future__ import annotations

import html


def task_url(label_studio_url: str, project_id: int, task_id: int) -> str:
    """The task opened in its project's Data Manager (Label Studio 1.23: `?task=` opens the task view)."""
    return f"{label_studio_url.rstrip('/')}/projects/{project_id}/data?task={task_id}"


def task_link(label_studio_url: str | None, project_id: int, task_id: int, text: str | None = None) -> str:
    """HTML: `text` (default "task N") linked to the task, or the escaped text alone without a URL."""
    label = html.escape(text or f"task {task_id}")
    if not label_studio_url:
        return label
    return f'<a href="{html.escape(task_url(label_studio_url, project_id, task_id))}">{label}</a>'
