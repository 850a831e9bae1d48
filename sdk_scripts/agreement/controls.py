"""Which controls of a labeling config are scored, and how (read with label-studio-sdk's LabelInterface).

| tag | kind | unit of agreement |
|---|---|---|
| Choices (single) | single | task |
| Choices (choice="multiple") | multi | task (x label) |
| Rating | rating | task |
| Number | number | task |
| RectangleLabels, PolygonLabels | boxes | box (matched by IoU) |
| Labels on Text / HyperText, HyperTextLabels | spans | span (HyperText: its globalOffsets) |
| TextArea | text | task |

Quality fields (confidence, flag, comment) describe the annotation, not the item, and are counted
separately; reviewer fields are not annotators' labels. Per-region controls are not scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.quality_fields import NOT_LABELS

NOT_SCORED = NOT_LABELS  # quality and reviewer fields
_KIND_BY_TAG = {"Rating": "rating", "Number": "number", "RectangleLabels": "boxes", "PolygonLabels": "boxes",
                "TextArea": "text", "HyperTextLabels": "spans"}
_SPAN_OBJECTS = {"Text", "HyperText"}


@dataclass(frozen=True)
class ControlSpec:
    """One scored control: its name, tag, kind of measure, labels, result value key and, for Rating and Number,
    the values the config allows (Rating: 1..maxRating; Number: its min/max where given)."""

    name: str
    tag: str
    kind: str
    labels: tuple[str, ...]
    value_key: str
    max_rating: int | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class Controls:
    """What the config says about agreement: the controls to score, notes on those left out, and problems (a
    config that does not parse, an attribute that is not a number)."""

    specs: list[ControlSpec]
    notes: list[str]
    problems: list[str]


def _kind(control, interface: LabelInterface) -> str | None:
    tag = control.tag
    if tag == "Choices":
        return "multi" if (control.attr or {}).get("choice") == "multiple" else "single"
    if tag == "Labels":
        objects = [interface.get_object(name) for name in control.to_name or []]
        return "spans" if objects and all(o is not None and o.tag in _SPAN_OBJECTS for o in objects) else None
    return _KIND_BY_TAG.get(tag)


def _number_attr(attrs: dict, key: str, name: str, problems: list[str], whole: bool = False) -> float | None:
    """A numeric attribute of a control tag, or None when absent; one that is not a (whole) number is a problem."""
    text = attrs.get(key)
    if text is None:
        return None
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (whole and (value != int(value) or value < 1)):
        problems.append(f"label config: {name}: {key}={text!r} is not a {'whole number >= 1' if whole else 'number'}"
                        + ("; the control is not scored" if whole else "; ignored"))
        return math.nan
    return value


def read_controls(label_config: str) -> Controls:
    """The controls to score (see the module docstring); a config that does not parse is a problem, not an error."""
    try:
        interface = LabelInterface(label_config)
    except Exception as exc:  # noqa: BLE001 -- lxml and the SDK raise many kinds for a broken config
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return Controls([], [], [f"label config: it does not parse ({first}); no control could be scored"])
    specs: list[ControlSpec] = []
    notes: list[str] = []
    problems: list[str] = []
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
        max_rating = low = high = None
        if control.tag == "Rating":
            found = _number_attr(attrs, "maxRating", control.name, problems, whole=True)
            if found is not None and math.isnan(found):
                continue
            max_rating = int(found) if found is not None else 5
            low, high = 1.0, float(max_rating)
        elif control.tag == "Number":
            low, high = (_number_attr(attrs, key, control.name, problems) for key in ("min", "max"))
            low, high = (None if v is None or math.isnan(v) else v for v in (low, high))
        value_key = {"single": "choices", "multi": "choices", "rating": "rating", "number": "number",
                     "text": "text", "spans": "labels"}.get(kind, control.tag.lower())
        if control.tag == "HyperTextLabels":
            value_key = "hypertextlabels"
        specs.append(ControlSpec(control.name, control.tag, kind, tuple(control.labels or ()), value_key,
                                 max_rating, low, high))
    return Controls(specs, notes, problems)


def scorable_controls(label_config: str) -> tuple[list[ControlSpec], list[str]]:
    """(controls to score, one note per control left out and why); a config that does not parse is one
    LabelopsError (the agreement report uses `read_controls` and reports it under problems instead)."""
    controls = read_controls(label_config)
    if not controls.specs and controls.problems and controls.problems[0].startswith("label config: it does not"):
        raise LabelopsError(controls.problems[0])
    return controls.specs, controls.notes + controls.problems
