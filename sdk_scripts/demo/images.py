"""The demo's image project: shapes images, boxes pre-annotated by the shipped detector, three annotators' boxes.

The images are drawn at demo time into the demo dir by the generator the shipped detector was trained on
(`ml_backend/training/shapes.py`; a seed it never saw, so the same files every run) and uploaded to Label
Studio (a rerun uploads only the missing ones). The annotators draw the true boxes, each in their own way
(`simulated_boxes`), so some images disagree and go to review. Label Studio's "Start model training on
annotation submission" stays off for this project: fine-tuning the detector takes minutes on a CPU, and
"Start Training" on the model page does it on request.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from ml_backend.training.shapes import Shape, make_image
from sdk_scripts.demo.loop import create_project
from sdk_scripts.demo.people import as_user
from sdk_scripts.devserver.users import Annotator
from sdk_scripts.labelstudio.client import LabelStudioClient

SPEC = "shapes_project.yaml"
CONTROL, OBJECT = "label", "image"
SEED = 2026  # the shipped detector was trained on seed 0
IMAGES = 12
LEFT_FOR_PEOPLE = 3  # the last images, left unlabeled for whoever logs in as an annotator
SIZE = 320


def draw_images(directory: Path, n: int = IMAGES, seed: int = SEED) -> list[tuple[Path, list[Shape]]]:
    """The demo's shape images (written once; the same seed draws the same images) and their true shapes."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        img, shapes = make_image(rng, SIZE)
        path = directory / f"shapes_{i:02d}.png"
        if not path.is_file():
            img.save(path)
        out.append((path, shapes))
    return out


def _box(shape: Shape, label: str, shift: float, region_id: str) -> dict:
    x0, y0, x1, y1 = (max(0.0, min(SIZE, v + shift)) for v in shape.box)
    return {"id": region_id, "from_name": CONTROL, "to_name": OBJECT, "type": "rectanglelabels",
            "original_width": SIZE, "original_height": SIZE, "image_rotation": 0,
            "value": {"x": 100 * x0 / SIZE, "y": 100 * y0 / SIZE, "width": 100 * (x1 - x0) / SIZE,
                      "height": 100 * (y1 - y0) / SIZE, "rotation": 0, "rectanglelabels": [label]}}


def simulated_boxes(shapes: list[Shape], image: int, annotator: int) -> list[dict]:
    """One annotator's boxes on one image, from its true shapes (pure, deterministic).

    Annotator 0 draws every shape exactly; annotator 1 draws them a few pixels off; annotator 2 misses the
    last shape on every third image that has two or more, and calls the first shape of every fourth image
    by the next class (circle -> square -> triangle -> circle).
    """
    classes = ("Circle", "Square", "Triangle")
    boxes = []
    for j, shape in enumerate(shapes):
        label = shape.label.capitalize()
        if annotator == 2 and image % 3 == 1 and len(shapes) > 1 and j == len(shapes) - 1:
            continue
        if annotator == 2 and image % 4 == 2 and j == 0:
            label = classes[(classes.index(label) + 1) % len(classes)]
        shift = (3.0 if (image + j) % 2 else -3.0) if annotator == 1 else 0.0
        boxes.append(_box(shape, label, shift, f"i{image}a{annotator}r{j}"))
    return boxes


@dataclass
class ImageProject:
    project: dict
    uploaded: int
    present: int
    images: list[tuple[Path, list[Shape]]]


def uploaded_name(task: dict) -> str:
    """The file name a task's uploaded image had (Label Studio prefixes it with 8 characters and a dash)."""
    return str((task.get("data") or {}).get(OBJECT, "")).rsplit("/", 1)[-1].split("-", 1)[-1]


def set_up_image_project(client: LabelStudioClient, demo_dir: Path) -> ImageProject:
    """Create the shapes project, draw the images and upload those not in it yet (idempotent)."""
    project = create_project(client, SPEC)
    images = draw_images(demo_dir / "shapes")
    present = {uploaded_name(t) for t in client.iter_tasks(project["id"], with_annotations=False)}
    missing = [str(p) for p, _ in images if p.name not in present]
    if missing:
        client.upload_files(project["id"], missing)
    return ImageProject(project, len(missing), len(images) - len(missing), images)


def stop_training_on_submission(client: LabelStudioClient, project_id: int) -> None:
    """Switch off Label Studio's "Start model training on annotation submission" for the project."""
    client.update_project(project_id, min_annotations_to_start_training=0)


def annotate_images(url: str, client: LabelStudioClient, setup: ImageProject, annotators: list[Annotator]) -> int:
    """The annotators draw their boxes on every image but the last LEFT_FOR_PEOPLE (once); annotations made."""
    index = {path.name: (i, shapes) for i, (path, shapes) in enumerate(setup.images)}
    sdks = [as_user(url, a) for a in annotators]
    made = 0
    for task in client.iter_tasks(setup.project["id"]):
        i, shapes = index.get(uploaded_name(task), (None, []))
        if i is None or i >= len(setup.images) - LEFT_FOR_PEOPLE:
            continue
        done = {a.get("completed_by") for a in task.get("annotations") or []}
        for k, (annotator, sdk) in enumerate(zip(annotators, sdks, strict=True)):
            if annotator.id not in done:
                sdk.annotations.create(task["id"], result=simulated_boxes(shapes, i, k))
                made += 1
    return made


def predicted_boxes(client: LabelStudioClient, project_id: int, version: str) -> tuple[int, int]:
    """(images holding a prediction of `version`, boxes in those predictions)."""
    images = boxes = 0
    for task in client.iter_tasks(project_id):
        mine = [p for p in task.get("predictions") or [] if p.get("model_version") == version]
        if mine:
            images += 1
            boxes += sum(r.get("type") == "rectanglelabels" for r in mine[0].get("result") or [])
    return images, boxes
