"""The review project's labeling config: the source project's controls between the reviewer's two blocks.

Both blocks are taken from `label_configs/review.xml`, so that file stays the one place they are
defined: on top, why the task is under review (`review_info`) and every annotator's answer side by
side (`review_versions`, a Table); last, the decision, reason and edge-case checkbox. Keeping every
source control, quality fields included, means each annotator's annotation can be attached to the
review task as a prediction and loaded whole.
"""

from __future__ import annotations

import copy

from lxml import etree

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config
from sdk_scripts.labelstudio.quality_fields import EDGE_CASE_LOG, REVIEW_DECISION, REVIEW_REASON, REVIEWER_FIELDS

REVIEW_INFO = "review_info"
REVIEW_VERSIONS = "review_versions"
DECISION_ACCEPT = "accept one version"
DECISION_CORRECTED = "corrected"
DECISION_QUARANTINE = "no clear label"


def _block(review_xml: str, holding: str) -> etree._Element:
    """The top-level View of review.xml that holds the tag named `holding`."""
    root = etree.fromstring(review_xml.encode(), etree.XMLParser(remove_comments=True))
    for view in root.iterchildren("View"):
        if any(el.get("name") == holding for el in view.iter()):
            return copy.deepcopy(view)
    raise LabelopsError(f"label_configs/review.xml has no View holding {holding!r}")


def compose_review_config(source_xml: str, review_xml: str | None = None) -> str:
    """The context block of review.xml, the source config's children, then the decision block, in one `<View>`."""
    review_xml = review_xml or read_config("review")
    context, decision = _block(review_xml, REVIEW_VERSIONS), _block(review_xml, REVIEW_DECISION)
    try:
        source = etree.fromstring(source_xml.encode(), etree.XMLParser(remove_comments=True))
    except etree.XMLSyntaxError as exc:
        raise LabelopsError(f"source project's labeling config is not valid XML: {exc}") from None
    taken = {el.get("name") for el in source.iter() if isinstance(el.tag, str) and el.get("name")}
    clash = sorted(taken & (REVIEWER_FIELDS | {REVIEW_INFO, REVIEW_VERSIONS}))
    if clash:
        raise LabelopsError(f"source config already uses the reviewer field name(s) {', '.join(clash)}")
    source.insert(0, context)
    source.append(decision)
    return etree.tostring(source, encoding="unicode")


def strip_reviewer_fields(result: list[dict]) -> list[dict]:
    """A review annotation's result without the reviewer's own fields: the adjudicated label."""
    return [r for r in result if r.get("from_name") not in REVIEWER_FIELDS]


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
