"""Fine-tune a YOLO classification model on the classes annotators chose for whole images in Label Studio.

* `classification_examples` (pure): one `ClassificationExample` per usable task (`yolo_finetune.chosen_annotations`
  says which) — the image reference and the one choice of a Choices control. A task whose annotation
  chooses nothing, several classes (YOLO-cls learns one class per image) or a class outside the config's
  is skipped with its reason.
* `fine_tune_classifier`: `yolo_finetune.fine_tune` with images in class folders (train/<class>/,
  val/<class>/; folders named by class index, so any choice name works, and the checkpoint gets the real
  names afterwards); the figure it reports is the top-1 accuracy of the final validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_backend.training.yolo_finetune import (
    FineTuneResult,
    Prepared,
    Recipe,
    Skip,
    Split,
    chosen_annotations,
    class_index,
    fine_tune,
    stem,
)
from sdk_scripts.labelstudio.annotations import choices


@dataclass(frozen=True)
class ClassificationExample:
    """One task's image and the class chosen for it."""

    task_id: int
    image: str
    label: str


def classification_examples(tasks: list[dict], control: str, value_key: str, labels: list[str],
                            skipped: list[Skip] | None = None) -> list[ClassificationExample]:
    """One example per usable task: image `data[value_key]` and its one choice of Choices `control` in `labels`.

    Which tasks and which annotation: `chosen_annotations`; tasks with no, several or an unknown choice go
    to `skipped` with the reason.
    """
    examples = []
    for chosen in chosen_annotations(tasks, value_key, skipped):
        picked = list(dict.fromkeys(choices(chosen.annotation.get("result") or [], control)))
        reason = ("no choice made" if not picked else
                  "several choices (YOLO-cls learns one class per image)" if len(picked) > 1 else
                  f"choice {picked[0]!r} is not one of the config's choices" if picked[0] not in labels else "")
        if reason:
            if skipped is not None:
                skipped.append(Skip(chosen.task_id, reason))
            continue
        examples.append(ClassificationExample(chosen.task_id, chosen.image, picked[0]))
    return examples


def folder(index: int) -> str:
    """A class's folder name: its index, zero-padded so that the folders sort in class order."""
    return f"{index:05d}"


def write_class_folders(root: Path, prepared: list[Prepared], split: Split, class_names: list[str]) -> str:
    """train/<class>/ and val/<class>/ (every class a folder, empty ones too); returns the data set's root.

    Without a held-out slice, val/ is the training set (a link to train/).
    """
    splits = {"train": split.train, "val": split.val} if split.held_out else {"train": split.train}
    for name, indices in splits.items():
        for c in range(len(class_names)):
            (root / name / folder(c)).mkdir(parents=True, exist_ok=True)
        for i in indices:
            example, img, c = prepared[i]
            img.save(root / name / folder(c) / f"{stem(i, example)}.png")
    if not split.held_out:
        (root / "val").symlink_to("train", target_is_directory=True)
    return str(root)


def _label_index(example: ClassificationExample, class_names: list[str]) -> int:
    return class_index(example.task_id, example.label, class_names, "image")


def _top1(metrics: Any) -> tuple[str, float | None]:
    top1 = getattr(metrics, "top1", None)
    return "accuracy", float(top1) if top1 is not None else None


CLASSIFICATION = Recipe("classifier", _label_index, write_class_folders, _top1, relabel=True)


def fine_tune_classifier(base_weights: Path, images: list[tuple[ClassificationExample, bytes]],
                         class_names: list[str], out_path: Path, **options: Any) -> FineTuneResult:
    """Fine-tune YOLO-cls `base_weights` on the chosen classes; options and errors: `yolo_finetune.fine_tune`."""
    return fine_tune(CLASSIFICATION, base_weights, images, class_names, out_path, **options)
