"""Detector training: fine-tuning on annotators' boxes, synthetic shapes, the shipped detector and its evaluation.

`fine_tune_detector` / `detection_examples` / `DetectionExample` / `FineTuneResult` / `TrainingDataError`
(`finetune_detector`), `make_image` / `Shape` / `CLASSES` (`shapes`). Names load on first use.
"""

from sdk_scripts.exports import lazy_exports

_WHERE = {
    "fine_tune_detector": "finetune_detector",
    "detection_examples": "finetune_detector",
    "DetectionExample": "finetune_detector",
    "FineTuneResult": "finetune_detector",
    "TrainingDataError": "finetune_detector",
    "make_image": "shapes",
    "Shape": "shapes",
    "CLASSES": "shapes",
}

__all__, __getattr__ = lazy_exports(__name__, _WHERE)
