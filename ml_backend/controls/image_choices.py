"""Choices on Image → ultralytics YOLO-cls (YOLO_CLS_MODEL_PATH, served only when set); runs fine-tune it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.controls.yolo_common import YoloControl
from ml_backend.regions import choices
from ml_backend.settings import BackendSettings


class ImageClassifier(YoloControl):
    kind = "classify"
    served_as = "Choices on Image (YOLO classification)"
    serves_from = ("the tag's model_path (under MODELS_ROOT), else YOLO_CLS_MODEL_PATH (weights the user brings; "
                   "not served without them), then the project's trained version")
    trains = "yes: YOLO-cls fine-tuned from the weights served now on the chosen classes (one per image)"
    weights_setting = "yolo_cls_model_path"
    artifact: ClassVar[tuple[str, str] | None] = ("classify", ".pt")

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return (control.tag == "Choices" and control.objects[0].tag == "Image"
                and str(control.attr.get("perRegion", "")).lower() != "true")

    def regions_for(self, result: Any, width: int, height: int) -> list[dict]:
        probs = result.probs
        if probs is None:
            return []
        for cls_id in probs.top5:
            name = self.class_names[int(cls_id)]
            if name in self.class_map:
                if self.score_threshold is not None and float(probs.data[cls_id]) < self.score_threshold:
                    return []  # model_score_threshold: the best mapped class is not sure enough
                return [choices(self.from_name, self.to_name, [self.class_map[name]], float(probs.data[cls_id]))]
            self.note_dropped(name)
        return []

    def train(self, tasks: list[dict], staging: Path) -> dict[str, Any]:
        """YOLO-cls fine-tuned from the weights served now on the chosen classes (`finetune_classifier.py`)."""
        from ml_backend.training.finetune_classifier import CLASSIFICATION, classification_examples

        skipped: list[Any] = []
        examples = classification_examples(tasks, self.from_name, self.value_key, self.labels, skipped)
        return self.fine_tuned(CLASSIFICATION, examples, skipped, Counter(ex.label for ex in examples), staging)
