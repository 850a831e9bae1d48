"""`labelops project create SPEC`: make the Label Studio project a spec describes, idempotently.

The spec is fully checked and its config rendered and validated before anything is sent, so a bad
spec leaves nothing half-made in Label Studio. A project with the spec's title is reused (and its
settings brought in line with the spec), never duplicated. A project without a Data Manager tab gets
its first one (`dm_views`): labelops' own `labelops_key` hidden; with uncertainty sampling, the
prediction score shown (Label Studio serves the lowest first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sdk_scripts.errors import LabelopsError
from sdk_scripts.governance.guidelines import current, render_instructions
from sdk_scripts.label_config_library import read_config, render_config, resolve_config, validate_config
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.dm_views import ensure_default_tab
from sdk_scripts.project_spec import SAMPLING, ProjectSpec, read_small_text
from sdk_scripts.task_files import KEY_FIELD


@dataclass
class ProjectSetupResult:
    """What `apply_spec` did: `created`, `updated` (with the changed settings) or `unchanged`."""

    project: dict
    action: str
    changes: list[str] = field(default_factory=list)


def project_settings(spec: ProjectSpec, previous_instructions: str | None = None) -> dict:
    """The Label Studio project fields a spec asks for (config rendered and validated).

    Guidelines become the instructions with a version footer (`governance.guidelines`); the
    version history already on the project (`previous_instructions`) is carried forward.
    """
    config_source = str(resolve_config(spec.config, spec.base_dir))
    label_config = render_config(read_config(spec.config, spec.base_dir), spec.labels, source=config_source)
    validate_config(label_config, source=f"{spec.source} (config {spec.config})")
    instructions = ""
    if spec.guidelines is not None:
        instructions = render_instructions(read_small_text(spec.guidelines, "guidelines file"), spec.guidelines_tag,
                                           previous_instructions)
    return {
        "title": spec.title,
        "description": spec.description,
        "label_config": label_config,
        # N annotations per task from N different annotators, for every task (cohort 100%).
        "maximum_annotations": spec.annotators_per_task,
        "overlap_cohort_percentage": 100,
        "sampling": SAMPLING[spec.sampling],
        "expert_instruction": instructions,
        "show_instruction": bool(instructions),
    }


def data_manager_columns(spec: ProjectSpec) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(hide, show) for the project's first Data Manager tab (see `dm_views.hidden_columns`)."""
    hide = {"explore": [f"data.{KEY_FIELD}"], "labeling": [f"data.{KEY_FIELD}"]}
    show = {"explore": ["predictions_score"]} if spec.sampling == "uncertainty" else {}
    return hide, show


def _checked(answer: object, client: LabelStudioClient, what: str) -> dict:
    """A project as Label Studio returns it; anything without an integer id and a title is refused."""
    if not isinstance(answer, dict) or isinstance(answer.get("id"), bool) or not isinstance(answer.get("id"), int) \
            or not isinstance(answer.get("title"), str):
        raise LabelopsError(f"Label Studio at {client.url} answered the request to {what} without a project "
                            "(no id and title); is that URL a Label Studio server?")
    return answer


def apply_spec(client: LabelStudioClient, spec: ProjectSpec) -> ProjectSetupResult:
    """Create the project, or reuse the one with the same title and update what differs; then its first tab."""
    result = _apply_settings(client, spec)
    ensure_default_tab(client, result.project["id"], *data_manager_columns(spec))
    return result


def _apply_settings(client: LabelStudioClient, spec: ProjectSpec) -> ProjectSetupResult:
    project_settings(spec)  # check everything before the first request
    existing = client.projects_titled(spec.title)
    if len(existing) > 1:
        ids = ", ".join(str(p["id"]) for p in existing)
        raise LabelopsError(f"several projects are titled {spec.title!r} (ids {ids}); rename or delete all but one")
    if not existing:
        created = client.create_project(**project_settings(spec))
        return ProjectSetupResult(_checked(created, client, f"create project {spec.title!r}"), "created")
    listed = _checked(existing[0], client, f"list projects titled {spec.title!r}")
    project = _checked(client.project(listed["id"]), client, f"read project {spec.title!r}")
    previous = project.get("expert_instruction") or ""
    wanted = project_settings(spec, previous)
    if current(previous) and current(previous) == current(wanted["expert_instruction"]):
        wanted["expert_instruction"] = previous  # same guidelines: keep the recorded history as it is
    changes = [name for name, value in wanted.items() if (project.get(name) or "") != (value or "")]
    if not changes:
        return ProjectSetupResult(project, "unchanged")
    updated = client.update_project(project["id"], **{name: wanted[name] for name in changes})
    return ProjectSetupResult(_checked(updated, client, f"update project {spec.title!r}"), "updated", changes)
