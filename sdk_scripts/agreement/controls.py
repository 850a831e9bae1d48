"""Which controls of a labeling config are scored, and by which kind (read with label-studio-sdk's LabelInterface).

| tag | kind | unit of agreement |
|---|---|---|
| Choices (single) | single | task |
| Choices (choice="multiple") | multi | task (x label) |
| Rating | rating | task |
| Number | number | task |
| RectangleLabels, PolygonLabels | boxes | box (matched by IoU) |
| Labels on Text / HyperText, HyperTextLabels | spans | span (HyperText: its globalOffsets) |
| TextArea | text | task |

The kinds themselves (`kinds.registry.REGISTRY`) say which tags they take. Quality fields (confidence,
flag, comment) describe the annotation, not the item, and are counted separately; reviewer fields are
not annotators' labels. Per-region controls are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.agreement.kinds.registry import matching_kind
from sdk_scripts.agreement.report import Problem
from sdk_scripts.agreement.spec import ControlSpec
from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.quality_fields import NOT_LABELS

__all__ = ["NOT_SCORED", "ControlSpec", "Controls", "read_controls", "scorable_controls"]

NOT_SCORED = NOT_LABELS  # quality and reviewer fields
NOT_PARSED = "label config: it does not parse"


@dataclass
class Controls:
    """What the config says about agreement: the controls to score, notes on those left out, and problems (a
    config that does not parse, an attribute that is not a number)."""

    specs: list[ControlSpec]
    notes: list[str]
    problems: list[Problem]


def read_controls(label_config: str) -> Controls:
    """The controls to score (see the module docstring); a config that does not parse is a problem, not an error."""
    try:
        interface = LabelInterface(label_config)
    except Exception as exc:  # noqa: BLE001 -- lxml and the SDK raise many kinds for a broken config
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return Controls([], [], [Problem(f"{NOT_PARSED} ({first}); no control could be scored")])
    out = Controls([], [], [])
    for control in interface.controls:
        if control.name in NOT_SCORED:
            continue
        if str((control.attr or {}).get("perRegion", "false")).lower() == "true":
            out.notes.append(f"{control.name}: per-region {control.tag} is not scored")
            continue
        kind = matching_kind(control, interface)
        if kind is None:
            out.notes.append(f"{control.name}: no agreement measure for {control.tag} here")
            continue
        spec = kind.read_spec(control, out.problems)
        if spec is not None:
            out.specs.append(spec)
    return out


def scorable_controls(label_config: str) -> tuple[list[ControlSpec], list[str]]:
    """(controls to score, one note per control left out and why); a config that does not parse is one
    LabelopsError (the agreement report uses `read_controls` and reports it under problems instead)."""
    controls = read_controls(label_config)
    if not controls.specs and controls.problems and controls.problems[0].text.startswith(NOT_PARSED):
        raise LabelopsError(controls.problems[0].text)
    return controls.specs, controls.notes + [problem.text for problem in controls.problems]
