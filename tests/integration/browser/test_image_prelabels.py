"""The shipped detector's boxes in stock Label Studio's labeling stream (real browser), as `make demo`'s image
project shows them.

An annotator presses "Label All Tasks" in a shapes project the backend pre-annotated: the stream pre-fills the
task from the served version's prediction, so the image carries the boxes and the region list names one region
per predicted box, with its label, marked as predicted. Screenshot: test-results/browser/image-stream-prefilled.png.
"""

from __future__ import annotations

from playwright.sync_api import expect

from ml_backend.training.shapes import CLASSES
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.ml_backend_link import connect_backend
from sdk_scripts.preannotate import preannotate
from tests.support.labelstudio import unique_title
from tests.support.lsui import close_instructions, label_all_tasks
from tests.support.shapes import write_test_images


def test_the_detectors_boxes_prefill_the_image_labeling_stream(label_studio, ls_client, ml_backend_server,
                                                               annotators, logged_in, shot, tmp_path) -> None:
    config = render_config(read_config("image_bbox"), {"label": [c.capitalize() for c in CLASSES]})
    project = ls_client.create_project(title=unique_title("shapes stream"), label_config=config)
    pid = project["id"]
    ls_client.upload_files(pid, [str(p) for p, _ in write_test_images(tmp_path, 2)])
    connect_backend(ls_client, pid, ml_backend_server.url)
    preannotate(ls_client, pid, backend_url=ml_backend_server.url, progress=False)

    page = logged_in(annotators[0].email, annotators[0].password)
    task_id = label_all_tasks(page, label_studio.url, pid)
    close_instructions(page, timeout=1_000)
    served = ls_client.project(pid)["model_version"]
    [prediction] = [p for p in ls_client.task(task_id)["predictions"] if p["model_version"] == served]
    labels = sorted(r["value"]["rectanglelabels"][0] for r in prediction["result"])
    assert labels, prediction
    regions = page.locator(".lsf-tree__node_type_rectangleregion")
    expect(regions).to_have_count(len(labels))
    assert sorted(t.strip() for t in regions.locator(".lsf-outliner-item__title").all_inner_texts()) == labels
    # each region is the model's (the region list's prediction mark), not one the annotator drew
    expect(regions.locator(".lsf-outliner-item__control_type_predict")).to_have_count(len(labels))
    shot(page, "image-stream-prefilled")
    ls_client.delete_project(pid)
