"""YOLO training: fine-tuning on annotators' boxes, polygons and image classes; synthetic shapes; the shipped detector.

`fine_tune` / `Recipe` / `FineTuneResult` / `TrainingDataError` / `chosen_annotations` / `Skip` (`yolo_finetune`),
`fine_tune_detector` / `detection_examples` / `DetectionExample` (`finetune_detector`),
`fine_tune_segmenter` / `segmentation_examples` / `SegmentationExample` (`finetune_segmenter`),
`fine_tune_classifier` / `classification_examples` / `ClassificationExample` (`finetune_classifier`),
`make_image` / `Shape` / `CLASSES` (`shapes`). Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "fine_tune": "yolo_finetune",
    "Recipe": "yolo_finetune",
    "FineTuneResult": "yolo_finetune",
    "TrainingDataError": "yolo_finetune",
    "chosen_annotations": "yolo_finetune",
    "Skip": "yolo_finetune",
    "fine_tune_detector": "finetune_detector",
    "detection_examples": "finetune_detector",
    "DetectionExample": "finetune_detector",
    "fine_tune_segmenter": "finetune_segmenter",
    "segmentation_examples": "finetune_segmenter",
    "SegmentationExample": "finetune_segmenter",
    "fine_tune_classifier": "finetune_classifier",
    "classification_examples": "finetune_classifier",
    "ClassificationExample": "finetune_classifier",
    "make_image": "shapes",
    "Shape": "shapes",
    "CLASSES": "shapes",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
