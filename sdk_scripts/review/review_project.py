"""The review project's own settings: instructions, the consensus model version, its Data Manager columns.

Label Studio's labeling stream pre-fills only the prediction whose model_version is the project's: a
review project is on `consensus` (see `review.versions`), so the stream pre-fills the labels when every
annotator agreed and nothing otherwise. Label Studio accepts a model_version on a new project without a
prediction of it, but on an existing one only once such a prediction exists, and an import into a
project without a model_version adopts the import's last one; `settle_review_project` puts the project
back on `consensus` (or on none) after every push.
"""

from __future__ import annotations

import html

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.dm_views import ensure_default_tab
from sdk_scripts.review.review_config import REVIEW_INFO, REVIEW_VERSIONS
from sdk_scripts.review.versions import CONSENSUS_VERSION
from sdk_scripts.task_files import KEY_FIELD

LINK_FIELD = "labelops_review"  # the machine-readable link back to the source task, in review task data
AGREEMENT_FIELD = "review_agreement"
PICKED_FOR_FIELD = "review_picked_for"

# Data Manager: the table shows why each task is here and its agreement (sortable); the long texts and
# the JSON labelops reads stay out of the way.
HIDE = {
    "explore": [f"data.{f}" for f in (KEY_FIELD, LINK_FIELD, REVIEW_INFO, REVIEW_VERSIONS)]
    + ["predictions_score", "total_predictions", "predictions_model_versions"],
    "labeling": [f"data.{f}" for f in (KEY_FIELD, LINK_FIELD, REVIEW_INFO, REVIEW_VERSIONS)],
}
SHOW = {"explore": ["annotators", "completed_at"], "labeling": [f"data.{AGREEMENT_FIELD}"]}


def review_instructions(source: dict, rule: str | None = None) -> str:
    """The instructions Label Studio shows reviewers (HTML) before their first task; `rule`: a tier's conditions."""
    title = html.escape(f"{source['title']} (project {source['id']})")
    tier = (f"<p>This review tier takes the tasks where <b>{html.escape(rule)}</b> (the project spec's routing "
            "rules); other tasks go to other review projects.</p>") if rule else ""
    return (
        f"<p>Each task here is a task of <b>{title}</b> on which the annotators disagreed, that one of them "
        f"flagged, or that was drawn for a quality check.</p>{tier}"
        "<p><b>Why this task is under review</b> names the source task, its agreement and why it was picked. "
        "<b>What each annotator answered</b> lists every annotator by name with their answer, how sure they said "
        "they were (definitely / probably / might be), their flags and comment.</p>"
        "<p>The labels start blank unless every annotator gave the same answer. To start from one annotator's "
        "answer instead, open the task from the Data Manager, click the tab with their name and choose "
        "<i>Duplicate Annotation</i> in its menu.</p>"
        "<p>Set the final label, then the decision: <i>accept one version</i>, <i>corrected</i>, or <i>no clear "
        "label</i> (the item is quarantined: kept out of the dataset), and say why. Tick <i>add to edge-case "
        "log</i> for items worth showing to annotators.</p>"
        "<p><code>labelops review pull</code> writes your decisions back to the source project as ground "
        "truth.</p>"
    )


def review_project_fields(source: dict, rule: str | None = None) -> dict:
    """The settings a review project is created with (its labeling config aside); `rule`: a tier's conditions."""
    tier = f" Review tier: {rule}." if rule else ""
    return {
        "description": f"Review tasks for project {source['id']} '{source['title']}', made by labelops.{tier}",
        "expert_instruction": review_instructions(source, rule),
        "show_instruction": True,
        "maximum_annotations": 1,
        "show_skip_button": False,
        "model_version": CONSENSUS_VERSION,
    }


def settle_review_project(client: LabelStudioClient, project: dict, source: dict, rule: str | None = None) -> list[str]:
    """Bring an existing review project's instructions, model version and first tab in line; what changed."""
    changes = []
    current = client.project(project["id"])
    wanted = {k: v for k, v in review_project_fields(source, rule).items()
              if k in ("expert_instruction", "show_instruction") and current.get(k) != v}
    if wanted:
        client.update_project(project["id"], **wanted)
        changes.append("instructions")
    if current.get("model_version") != CONSENSUS_VERSION:
        try:
            client.update_project(project["id"], model_version=CONSENSUS_VERSION)
        except LabelopsError:  # no consensus prediction yet: pre-fill nothing rather than one annotator's answer
            if current.get("model_version"):
                client.update_project(project["id"], model_version="")
        changes.append("model version")
    if ensure_default_tab(client, project["id"], HIDE, SHOW):
        changes.append("Data Manager columns")
    return changes
