"""KeyPointLabels on Image → ultralytics YOLO-pose (the tag's model_path): one point per mapped key point.

Points are mapped as Label Studio's YOLO example maps them: a `<Label>` names the model class with
`predicted_values` and the key point's index in the model's output with `model_index`
(`<Label value="nose" predicted_values="person" model_index="0"/>`). `model_score_threshold` drops whole
instances (the pose box's confidence), `model_point_threshold` single points, `model_point_size` is the
drawn size in pixels.
"""

from __future__ import annotations

import math
from typing import Any

from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.controls.base import NotServable
from ml_backend.controls.tag_settings import unit_float
from ml_backend.controls.yolo_common import YoloControl
from ml_backend.regions import keypoint
from ml_backend.settings import BackendSettings


def point_map(label_attrs: dict[str, dict], class_names: list[str], points: int) -> dict[tuple[str, int], str]:
    """{(model class, point index): label} from the labels' `predicted_values` + `model_index`.

    Class names match exactly, else case-insensitively; ValueError naming the label for an index that is not
    an integer in 0..points-1, or a `predicted_values` without `model_index` (or the reverse).
    """
    by_lower = {name.lower(): name for name in class_names}
    out: dict[tuple[str, int], str] = {}
    for label, attrs in label_attrs.items():
        values, index = attrs.get("predicted_values"), attrs.get("model_index")
        if values is None and index is None:
            continue
        if values is None or index is None:
            missing = "model_index" if index is None else "predicted_values"
            raise ValueError(f'label "{label}" has no {missing} (a key point needs both)')
        try:
            number = int(str(index).strip())
        except ValueError:
            raise ValueError(f'label "{label}": model_index="{index}" is not an integer') from None
        if not 0 <= number < points:
            raise ValueError(f'label "{label}": model_index="{index}" is outside 0..{points - 1} '
                             f"(the model has {points} key points)")
        for value in str(values).split(","):
            name = value.strip()
            name = name if name in class_names else by_lower.get(name.lower(), "")
            if name:
                out[(name, number)] = label
    return out


class PoseKeypoints(YoloControl):
    kind = "pose"
    served_as = "KeyPointLabels on Image (YOLO-pose key points)"
    serves_from = "the tag's model_path (under MODELS_ROOT; weights the user brings, not served without them)"
    weights_setting = ""

    @classmethod
    def is_control_matched(cls, control: ControlTag, settings: BackendSettings) -> bool:
        return control.tag == "KeyPointLabels" and control.objects[0].tag == "Image"

    def read_attributes(self, attrs: dict) -> None:
        self.point_threshold = unit_float(attrs, "model_point_threshold") or 0.0
        size = attrs.get("model_point_size")
        try:
            self.point_size = 1.0 if size is None else float(size)
        except ValueError:
            self.point_size = math.nan
        if not 0 < self.point_size <= 1000:
            raise ValueError(f'model_point_size="{size}" is not a size in pixels (a number above 0)')

    def build_mapping(self) -> None:
        shape = getattr(self.model.model, "kpt_shape", None) or [0]
        labels = {label: dict(getattr(tag, "attr", {}) or {})
                  for label, tag in (self.control.labels_attrs or {}).items()}
        try:
            self.points = point_map(labels, self.class_names, int(shape[0]))
        except ValueError as exc:
            raise NotServable(f"{self.where}: {exc}") from None
        if not self.points:
            raise NotServable(f"{self.where}: none of its labels maps to a key point of the model classes "
                              f"[{self.shown_classes()}]: give each <Label> predicted_values=\"<class>\" and "
                              f'model_index="<point index>"')
        self.class_map = {name: name for name, _ in self.points}

    def regions_for(self, result: Any, width: int, height: int) -> list[dict]:
        out: list[dict] = []
        if result.keypoints is None or result.boxes is None:
            return out
        xy = result.keypoints.xy.tolist()
        conf = result.keypoints.conf.tolist() if result.keypoints.conf is not None else None
        for n, (cls_id, box_conf) in enumerate(zip(result.boxes.cls.tolist(), result.boxes.conf.tolist(),
                                                   strict=True)):
            name = self.class_names[int(cls_id)]
            if name not in self.class_map:
                self.note_dropped(name)
                continue
            for index, point in enumerate(xy[n]):
                label = self.points.get((name, index))
                score = conf[n][index] if conf is not None else box_conf  # points without their own confidence
                if label is None or score < self.point_threshold:
                    continue
                out.append(keypoint(self.from_name, self.to_name, label, point, width, height, score,
                                    self.point_size))
        return out
