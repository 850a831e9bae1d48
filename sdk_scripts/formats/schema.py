"""A labeling config's label controls as label-studio-sdk's converter parses them, and which formats it supports."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.quality_fields import NOT_LABELS

# Tags whose regions the converter's image exports (YOLO, COCO, VOC) read.
SHAPE_TAGS = ("RectangleLabels", "PolygonLabels", "KeyPointLabels", "Rectangle", "Polygon", "KeyPoint", "Labels")


@dataclass(frozen=True)
class LabelSchema:
    """The converter's parsed config (`{control: {type, to_name, inputs, labels, labels_attrs}}`), quality and
    reviewer fields left out: they describe an annotation, not the item, and are never a training label.
    `choice`: each Choices control's `choice` attribute (single, single-radio, multiple)."""

    controls: dict[str, dict[str, Any]]
    choice: dict[str, str]

    @classmethod
    def from_config(cls, label_config: str) -> LabelSchema:
        from label_studio_sdk.converter.utils import parse_config
        from label_studio_sdk.label_interface import LabelInterface

        try:
            parsed = parse_config(label_config)
            interface = LabelInterface(label_config)
        except Exception as exc:  # the SDK raises its parser's own errors
            raise LabelopsError(f"the project's labeling config does not parse: {exc}") from None
        controls = {name: info for name, info in parsed.items() if name not in NOT_LABELS}
        choice = {c.name: str(c.attr.get("choice") or "single") for c in interface.controls if c.tag == "Choices"}
        return cls(controls, choice)

    @cached_property
    def converter_formats(self) -> frozenset[str]:
        """The converter's own supported formats for these controls (`YOLO`, `COCO`, `VOC`, `CONLL2003`, `CSV`...)."""
        from label_studio_sdk.converter import Converter

        return frozenset(Converter(self.controls, project_dir=None).supported_formats)

    def of(self, types: tuple[str, ...], on: str | None = None) -> dict[str, dict[str, Any]]:
        """The controls of these tag types (`Choices`, `Labels`...), on an object tag of type `on` when given."""
        return {name: info for name, info in self.controls.items() if info["type"] in types
                and (on is None or any(i["type"] == on for i in info["inputs"]))}

    def data_key(self, controls: dict[str, dict[str, Any]]) -> str | None:
        """The one task data key these controls label, or None when there are none or several."""
        keys = {i.get("value") for info in controls.values() for i in info["inputs"]}
        return next(iter(keys)) if len(keys) == 1 else None

    def describe(self) -> str:
        """`Choices on Text, Labels on Text` (what the error line names)."""
        kinds = sorted({f"{info['type']} on {'/'.join(i['type'] for i in info['inputs']) or '?'}"
                        for info in self.controls.values()})
        return ", ".join(kinds) or "no label controls"
