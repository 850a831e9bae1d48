"""Per-control-tag model classes and the registry that picks one for each tag of a labeling config.

`ControlModel` / `NotServable` (`base`), `REGISTRY` / `build_models` (`registry`), and the models:
`RectangleDetector` (`detection`), `PolygonSegmenter` (`segmentation`), `ImageClassifier` (`image_choices`),
`TextZeroShot` (`text_choices`), `EntitySpans` (`text_spans`), `OrientedDetector` (`oriented`),
`PoseKeypoints` (`keypoints`),
`SpeechTranscriber` (`transcripts`); `capability_table` (`capabilities`).
Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "ControlModel": "base",
    "NotServable": "base",
    "REGISTRY": "registry",
    "build_models": "registry",
    "RectangleDetector": "detection",
    "PolygonSegmenter": "segmentation",
    "ImageClassifier": "image_choices",
    "TextZeroShot": "text_choices",
    "EntitySpans": "text_spans",
    "OrientedDetector": "oriented",
    "PoseKeypoints": "keypoints",
    "SpeechTranscriber": "transcripts",
    "capability_table": "capabilities",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
