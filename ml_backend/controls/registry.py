"""The registry: which model class serves which control tag of a labeling config."""

from __future__ import annotations

from label_studio_sdk.label_interface import LabelInterface
from label_studio_sdk.label_interface.control_tags import ControlTag

from ml_backend.active_learning.versions import ServingRun
from ml_backend.controls.base import ControlModel, NotServable
from ml_backend.controls.detection import RectangleDetector
from ml_backend.controls.image_choices import ImageClassifier
from ml_backend.controls.keypoints import PoseKeypoints
from ml_backend.controls.oriented import OrientedDetector
from ml_backend.controls.segmentation import PolygonSegmenter
from ml_backend.controls.tag_settings import flag
from ml_backend.controls.text_choices import TextZeroShot
from ml_backend.controls.text_spans import EntitySpans
from ml_backend.controls.transcripts import SpeechTranscriber
from ml_backend.settings import BackendSettings

# The first class whose is_control_matched says yes serves the tag. OrientedDetector takes only RectangleLabels
# with model_obb="true" (and RectangleDetector refuses those), so plain boxes stay with the detector.
REGISTRY: list[type[ControlModel]] = [OrientedDetector, RectangleDetector, PolygonSegmenter, ImageClassifier,
                                      PoseKeypoints, TextZeroShot, EntitySpans, SpeechTranscriber]


def skip_reason(control: ControlTag, settings: BackendSettings) -> str:
    """Why the tag is skipped on purpose (SKIP_CONTROLS, `model_skip="true"` on the tag), or ""."""
    if control.name in settings.skip_controls:
        return f"{control.tag} '{control.name}': skipped (SKIP_CONTROLS)"
    try:
        skip = flag(control.attr or {}, "model_skip")
    except ValueError as exc:
        return f"{control.tag} '{control.name}': {exc}; the tag is skipped"
    return f"{control.tag} '{control.name}': skipped (model_skip=\"true\")" if skip else ""


def build_models(label_config: str, settings: BackendSettings,
                 run: ServingRun | None = None) -> tuple[list[ControlModel], list[str]]:
    """Models for every servable tag, and one reason line per tag that cannot be served.

    With a project's trained `run`, tags it trained use those weights; the others serve as before. A tag with
    `model_skip="true"` (Label Studio's YOLO example's attribute) or in SKIP_CONTROLS is skipped with that reason.

    Raises NotServable (with every reason) when no tag of the config can be served.
    """
    try:
        interface = LabelInterface(label_config)
    except Exception as exc:
        raise NotServable(f"labeling config does not parse: {exc}") from None
    models: list[ControlModel] = []
    reasons: list[str] = []
    for control in interface.controls:
        if settings.controls and control.name not in settings.controls:
            continue
        if not control.objects:
            continue
        skipped = skip_reason(control, settings)
        if skipped:
            reasons.append(skipped)
            continue
        cls = next((c for c in REGISTRY if c.is_control_matched(control, settings)), None)
        if cls is None:
            reasons.append(f"{control.tag} '{control.name}' on {control.objects[0].tag}: no model for this tag type")
            continue
        try:
            models.append(cls.create(control, settings, run))
        except NotServable as exc:
            reasons.append(str(exc))
    if not models:
        raise NotServable("no control tag of this labeling config can be served: " + "; ".join(reasons or ["none"]))
    return models, reasons
