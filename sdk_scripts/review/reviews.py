"""Submitted reviews read out of review tasks (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from sdk_scripts.review.push import LINK_FIELD
from sdk_scripts.review.review_config import reviewer_fields, strip_reviewer_fields

ADJUDICATION_META_FIELD = "labelops_adjudication"


@dataclass
class Review:
    """One submitted review, as the log and the export keep it."""

    source_task: int
    review_task: int
    review_annotation: int
    reviewer: int | None
    decision: str | None
    reason: str
    edge_case: bool
    result: list[dict]
    reasons_picked: list[str]
    agreement: float | None
    updated_at: str | None
    adjudication: int | None = None  # id of the ground-truth annotation this review wrote on the source task


def latest_review(review_task: dict) -> dict | None:
    submitted = [a for a in review_task.get("annotations") or [] if not a.get("was_cancelled")]
    return max(submitted, key=lambda a: (a.get("updated_at") or "", a["id"])) if submitted else None


def read_reviews(review_tasks: list[dict], source_id: int) -> list[Review]:
    """The latest submitted review of every review task that belongs to the source project."""
    reviews = []
    for task in review_tasks:
        link = task["data"].get(LINK_FIELD) or {}
        annotation = latest_review(task)
        if link.get("source_project") != source_id or annotation is None:
            continue
        fields = reviewer_fields(annotation.get("result") or [])
        reviews.append(Review(
            source_task=link["source_task"], review_task=task["id"], review_annotation=annotation["id"],
            reviewer=annotation.get("completed_by"), decision=fields["decision"], reason=str(fields["reason"]),
            edge_case=bool(fields["edge_case"]), result=strip_reviewer_fields(annotation.get("result") or []),
            reasons_picked=list(link.get("reasons") or []), agreement=link.get("agreement"),
            updated_at=annotation.get("updated_at"),
            adjudication=(task.get("meta") or {}).get(ADJUDICATION_META_FIELD),
        ))
    return reviews
