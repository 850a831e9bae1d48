"""The review task of an audited auto-label, shaped like `review push`'s so the review loop reads it (pure).

It goes to the source project's review project under the same key (`review:<project>:<task>`) and link
(`labelops_review`, reasons ["auto-label audit"], plus `auto_label`: model version, score, threshold, round),
with the source data, a `review_info` saying what to check, a one-row `review_versions` table naming the model
version and its score, and the auto-label as the `consensus` prediction: the review project's model version,
so Label Studio's labeling stream pre-fills it and the reviewer verifies it rather than starting blank.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sdk_scripts.autolabel.audit import REASON_AUDIT
from sdk_scripts.autolabel.marks import AutoMark
from sdk_scripts.review.annotations import fingerprint
from sdk_scripts.review.final_labels import summarize
from sdk_scripts.review.placement import review_key
from sdk_scripts.review.review_config import (
    DECISION_ACCEPT,
    DECISION_CORRECTED,
    DECISION_QUARANTINE,
    REVIEW_INFO,
    REVIEW_VERSIONS,
)
from sdk_scripts.review.review_project import AGREEMENT_FIELD, LINK_FIELD, PICKED_FOR_FIELD
from sdk_scripts.review.versions import COLUMNS, CONSENSUS_VERSION
from sdk_scripts.task_files import KEY_FIELD

LINK_AUTO = "auto_label"


def audit_info(source: dict, task_id: int, mark: AutoMark) -> str:
    """What the reviewer reads on top of an audit task."""
    return (f"Source: project {source['id']} '{source['title']}', task {task_id}. Why here: audit sample of "
            f"auto-labels (round {mark.round}). Nobody labelled this task: model version {mark.model_version} "
            f"labelled it \"{summarize(mark.result)}\" with score {mark.score:.2f} (threshold {mark.threshold:.2f}), "
            f"and labelops accepted that label. The labels below start from it. If it is right, choose "
            f"'{DECISION_ACCEPT}'; if not, set the right label and choose '{DECISION_CORRECTED}' (or "
            f"'{DECISION_QUARANTINE}'). Your decisions measure the auto-labels' precision.")


def audit_review_task(source: dict, task: dict, mark: AutoMark) -> dict:
    """The import payload of one audit review task (data + the auto-label as the `consensus` prediction)."""
    data = {k: v for k, v in (task.get("data") or {}).items() if k != KEY_FIELD}
    data[REVIEW_INFO] = audit_info(source, task["id"], mark)
    data[REVIEW_VERSIONS] = [dict(zip(COLUMNS, (f"model {mark.model_version}", summarize(mark.result),
                                                f"score {mark.score:.2f}", "-", "-"), strict=True))]
    data[AGREEMENT_FIELD] = None
    data[PICKED_FOR_FIELD] = REASON_AUDIT
    data[KEY_FIELD] = review_key(source["id"], task["id"])
    data[LINK_FIELD] = {
        "source_project": source["id"],
        "source_task": task["id"],
        "annotation_ids": [],
        "annotators": [],
        "agreement": None,
        "reasons": [REASON_AUDIT],
        "fingerprint": fingerprint([]),
        "pushed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        LINK_AUTO: {"model_version": mark.model_version, "prediction": mark.prediction, "score": mark.score,
                    "threshold": mark.threshold, "round": mark.round},
    }
    return {"data": data, "predictions": [{"model_version": CONSENSUS_VERSION, "score": mark.score,
                                           "result": mark.result}]}
