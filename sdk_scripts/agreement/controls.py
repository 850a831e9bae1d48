"""Which controls of a labeling config are scored, and how (read with label-studio-sdk's LabelInterface).

| tag | kind | unit of agreement |
|---|---|---|
| Choices (single) | single | task |
| Choices (choice="multiple") | multi | task (x label) |
| Rating | rating | task |
| Number | number | task |
| RectangleLabels, PolygonLabels | boxes | box (matched by IoU) |
| Labels on Text / HyperText | spans | span |
| TextArea | text | task |

Quality fields (confidence, flag, comment) describe the annotation, not the item, and are counted
separately; reviewer fields are not annotators' labels. Per-region controls are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from label_studio_sdk.label_interface import LabelInterface

NOT_SCORED = frozenset({"confidence", "flag", "comment", "review_decision", "review_reason", "edge_case_log"})
_KIND_BY_TAG = {"Rating": "rating", "Number": "number", "RectangleLabels": "boxes", "PolygonLabels": "boxes",
                "TextArea": "text"}
_SPAN_OBJECTS = {"Text", "HyperText"}


@dataclass(frozen=True)
class ControlSpec:
    """One scored control: its name, tag, kind of measure, labels and result value key."""

    name: str
    tag: str
    kind: str
    labels: tuple[str, ...]
    value_key: str
    max_rating: int | None = None


def _kind(control, interface: LabelInterface) -> str | None:
    tag = control.tag
    if tag == "Choices":
        return "multi" if (control.attr or {}).get("choice") == "multiple" else "single"
    if tag == "Labels":
        objects = [interface.get_object(name) for name in control.to_name or []]
        return "spans" if objects and all(o.tag in _SPAN_OBJECTS for o in objects) else None
    return _KIND_BY_TAG.get(tag)


def scorable_controls(label_config: str) -> tuple[list[ControlSpec], list[str]]:
    """(controls to score, one note per control left out and why)."""
    interface = LabelInterface(label_config)
    specs: list[ControlSpec] = []
    notes: list[str] = []
    for control in interface.controls:
        if control.name in NOT_SCORED:
            continue
        attrs = control.attr or {}
        if str(attrs.get("perRegion", "false")).lower() == "true":
            notes.append(f"{control.name}: per-region {control.tag} is not scored")
            continue
        kind = _kind(control, interface)
        if kind is None:
            notes.append(f"{control.name}: no agreement measure for {control.tag} here")
            continue
        max_rating = int(attrs.get("maxRating", 5)) if control.tag == "Rating" else None
        value_key = {"single": "choices", "multi": "choices", "rating": "rating", "number": "number",
                     "text": "text", "spans": "labels"}.get(kind, control.tag.lower())
        specs.append(ControlSpec(control.name, control.tag, kind, tuple(control.labels or ()), value_key,
                                 max_rating))
    return specs, notes
