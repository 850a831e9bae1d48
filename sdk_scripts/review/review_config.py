"""The review project's labeling config: the source project's controls plus the reviewer's fields.

The reviewer fields (decision, reason, edge-case checkbox, and the `review_info` text that says why
the task is under review) are taken from `label_configs/review.xml`, so that file stays the one
place they are defined. Keeping every source control, quality fields included, means each
annotator's annotation can be attached to the review task as a prediction and loaded whole.
"""

from __future__ import annotations

import copy

from lxml import etree

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config

REVIEW_INFO = "review_info"
REVIEW_DECISION = "review_decision"
REVIEW_REASON = "review_reason"
EDGE_CASE_LOG = "edge_case_log"
REVIEWER_CONTROLS = frozenset({REVIEW_DECISION, REVIEW_REASON, EDGE_CASE_LOG})
DECISION_ACCEPT = "accept one version"
DECISION_CORRECTED = "corrected"
DECISION_QUARANTINE = "no clear label"


def _reviewer_block(review_xml: str) -> etree._Element:
    root = etree.fromstring(review_xml.encode())
    for view in root.iter("View"):
        if any(el.get("name") == REVIEW_DECISION for el in view):
            return view
    raise LabelopsError("label_configs/review.xml has no View holding the review_decision control")


def compose_review_config(source_xml: str, review_xml: str | None = None) -> str:
    """Source config's children, then the reviewer block of review.xml, in one `<View>`."""
    block = copy.deepcopy(_reviewer_block(review_xml or read_config("review")))
    try:
        source = etree.fromstring(source_xml.encode(), etree.XMLParser(remove_comments=True))
    except etree.XMLSyntaxError as exc:
        raise LabelopsError(f"source project's labeling config is not valid XML: {exc}") from None
    taken = {el.get("name") for el in source.iter() if isinstance(el.tag, str) and el.get("name")}
    clash = sorted(taken & (REVIEWER_CONTROLS | {REVIEW_INFO}))
    if clash:
        raise LabelopsError(f"source config already uses the reviewer field name(s) {', '.join(clash)}")
    source.append(block)
    return etree.tostring(source, encoding="unicode")


def strip_reviewer_fields(result: list[dict]) -> list[dict]:
    """A review annotation's result without the reviewer's own fields: the adjudicated label."""
    return [r for r in result if r.get("from_name") not in REVIEWER_CONTROLS]


def reviewer_fields(result: list[dict]) -> dict[str, object]:
    """Decision, reason and edge-case flag out of a review annotation's result."""
    out: dict[str, object] = {"decision": None, "reason": "", "edge_case": False}
    for region in result:
        name, value = region.get("from_name"), region.get("value") or {}
        if name == REVIEW_DECISION and value.get("choices"):
            out["decision"] = value["choices"][0]
        elif name == REVIEW_REASON and value.get("text"):
            text = value["text"]
            out["reason"] = " ".join(text) if isinstance(text, list) else str(text)
        elif name == EDGE_CASE_LOG:
            out["edge_case"] = bool(value.get("choices"))
    return out
