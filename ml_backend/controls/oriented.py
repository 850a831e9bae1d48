"""RectangleLabels with `model_obb="true"` on Image → ultralytics YOLO-OBB (oriented boxes, the tag's model_path)."""

from __future__ import annotations

from typing import Any

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.active_learning.strategies import detection_score
from ml_backend.controls.tag_settings import FALSE, flag
from ml_backend.controls.yolo_common import YoloControl
from ml_backend.regions import rotated_rectangle
from ml_backend.settings import BackendSettings


def is_obb(control: ControlTag) -> bool:
    """Whether the tag asks for oriented boxes (`model_obb` given and not false; a bad value is refused later)."""
    value = (control.attr or {}).get("model_obb")
    return value is not None and str(value).strip().lower() not in FALSE


class OrientedDetector(YoloControl):
    kind = "obb"
    served_as = 'RectangleLabels model_obb="true" on Image (YOLO-OBB, rotated boxes)'
    serves_from = "the tag's model_path (under MODELS_ROOT; weights the user brings, not served without them)"
    score_definition = ("0 when no box reaches confidence 0.5, else the mean |2c − 1| over the boxes' "
                        "confidences c (as for upright boxes)")
    weights_setting = ""

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return control.tag == "RectangleLabels" and control.objects[0].tag == "Image" and is_obb(control)

    def read_attributes(self, attrs: dict) -> None:
        flag(attrs, "model_obb")  # `model_obb="maybe"`: refused with the cause

    def regions_for(self, result: Any, width: int, height: int) -> list[dict]:
        out: list[dict] = []
        obb = result.obb
        if obb is None:
            return out
        for xywhr, cls_id, conf in zip(obb.xywhr.tolist(), obb.cls.tolist(), obb.conf.tolist(), strict=True):
            name = self.class_names[int(cls_id)]
            label = self.class_map.get(name)
            if label is None:
                self.note_dropped(name)
                continue
            out.append(rotated_rectangle(self.from_name, self.to_name, label, xywhr, width, height, conf))
        return out

    def uncertainty_for(self, regions: list[dict]) -> float | None:
        """Image-level: 0 when no box is confident (nothing found is worth a look), else mean |2c - 1|."""
        return detection_score([r["score"] for r in regions])
