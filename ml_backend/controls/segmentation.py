"""PolygonLabels on Image → ultralytics YOLO-seg (YOLO_SEG_MODEL_PATH, served only when set); runs fine-tune it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.active_learning.strategies import detection_score
from ml_backend.controls.yolo_common import YoloControl
from ml_backend.regions import polygon
from ml_backend.settings import BackendSettings


class PolygonSegmenter(YoloControl):
    kind = "segment"
    served_as = "PolygonLabels on Image (YOLO segmentation)"
    serves_from = ("the tag's model_path (under MODELS_ROOT), else YOLO_SEG_MODEL_PATH (weights the user brings; "
                   "not served without them), then the project's trained version")
    trains = "yes: YOLO-seg fine-tuned from the weights served now on the annotated polygons"
    score_definition = ("0 when no mask reaches confidence 0.5, else the mean |2c − 1| over the masks' "
                        "confidences c (as for boxes)")
    weights_setting = "yolo_seg_model_path"
    artifact: ClassVar[tuple[str, str] | None] = ("segment", ".pt")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return control.tag == "PolygonLabels" and control.objects[0].tag == "Image"

    def regions_for(self, result: Any, width: int, height: int) -> list[dict]:
        out = []
        if result.masks is None or result.boxes is None:
            return out
        for pts, cls_id, conf in zip(result.masks.xy, result.boxes.cls.tolist(), result.boxes.conf.tolist(),
                                     strict=True):
            name = self.class_names[int(cls_id)]
            label = self.class_map.get(name)
            if label is None:
                self.note_dropped(name)
                continue
            if len(pts) >= 3:
                out.append(polygon(self.from_name, self.to_name, label, pts.tolist(), width, height, conf))
        return out

    def uncertainty_for(self, regions: list[dict]) -> float | None:
        """Image-level: 0 when no region is confident (nothing found is worth a look), else mean |2c - 1|."""
        return detection_score([r["score"] for r in regions])

    def train(self, tasks: list[dict], staging: Path) -> dict[str, Any]:
        """YOLO-seg fine-tuned from the weights served now on the annotated polygons (`finetune_segmenter.py`)."""
        from ml_backend.training.finetune_segmenter import SEGMENTATION, segmentation_examples

        skipped: list[Any] = []
        examples = segmentation_examples(tasks, self.from_name, self.value_key, skipped)
        counts = Counter(label for ex in examples for label, _ in ex.polygons)
        return self.fine_tuned(SEGMENTATION, examples, skipped, counts, staging)
