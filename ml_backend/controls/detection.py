"""RectangleLabels on Image → ultralytics YOLO detection (YOLO_MODEL_PATH or the tag's model_path)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.active_learning.strategies import detection_score
from ml_backend.controls.oriented import is_obb
from ml_backend.controls.yolo_common import YoloControl
from ml_backend.regions import rectangle
from ml_backend.settings import BackendSettings


class RectangleDetector(YoloControl):
    kind = "detect"
    served_as = "RectangleLabels on Image (YOLO detection)"
    serves_from = ("the project's trained version, else the tag's model_path (under MODELS_ROOT), else YOLO_MODEL_PATH "
                   "(the shipped shapes detector by default)")
    trains = "yes: YOLO fine-tuned from the weights served now"
    score_definition = ("0 when no box reaches confidence 0.5 (nothing found is worth a look), else the mean "
                        "|2c − 1| over the boxes' confidences c (boxes near c = 0.5 pull it towards 0)")
    weights_setting = "yolo_model_path"
    artifact: ClassVar[tuple[str, str] | None] = ("detect", ".pt")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        # model_obb="true" asks for oriented boxes: OrientedDetector serves those
        return (control.tag == "RectangleLabels" and control.objects[0].tag == "Image"
                and not is_obb(control))

    def regions_for(self, result: Any, width: int, height: int) -> list[dict]:
        out = []
        boxes = result.boxes
        if boxes is None:
            return out
        for xyxy, cls_id, conf in zip(boxes.xyxy.tolist(), boxes.cls.tolist(), boxes.conf.tolist(), strict=True):
            name = self.class_names[int(cls_id)]
            label = self.class_map.get(name)
            if label is None:
                self.note_dropped(name)
                continue
            out.append(rectangle(self.from_name, self.to_name, label, xyxy, width, height, conf))
        return out

    def uncertainty_for(self, regions: list[dict]) -> float | None:
        """Image-level: 0 when no region is confident (nothing found is worth a look), else mean |2c - 1|."""
        return detection_score([r["score"] for r in regions])

    def train(self, tasks: list[dict], staging: Path) -> dict[str, Any]:
        """YOLO fine-tuned from the weights served now on the annotated boxes (`finetune_detector.py`)."""
        from ml_backend.training.finetune_detector import DETECTION, detection_examples

        skipped: list[Any] = []
        examples = detection_examples(tasks, self.from_name, self.value_key, skipped)
        counts = Counter(box[0] for ex in examples for box in ex.boxes)
        return self.fine_tuned(DETECTION, examples, skipped, counts, staging)
