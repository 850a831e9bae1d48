"""Real Label Studio + real backend: one project, two box tags on one image served by two model_path weights (one
with model_score_threshold 0.97), a third tag with model_skip="true" reported by /setup."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from ml_backend.settings import SHIPPED_DETECTOR
from tests.support.labelstudio import unique_title
from tests.support.shapes import matched_shapes, write_test_images

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

LABELS = '<Label value="Circle"/><Label value="Square"/><Label value="Triangle"/>'
CONFIG = ('<View><Image name="image" value="$image"/>'
          f'<RectangleLabels name="quick" toName="image" model_path="per-tag/quick.pt">{LABELS}</RectangleLabels>'
          f'<RectangleLabels name="sure" toName="image" model_path="per-tag/team/sure.pt" '
          f'model_score_threshold="0.97">{LABELS}</RectangleLabels>'
          f'<RectangleLabels name="by_hand" toName="image" model_skip="true">{LABELS}</RectangleLabels></View>')


def _box(region: dict) -> tuple[float, ...]:
    v = region["value"]
    return (v["rectanglelabels"][0], *(round(v[k], 3) for k in ("x", "y", "width", "height")))


def test_two_tags_two_weights_and_a_skipped_tag(ml_backend_server, ls_client, run_cli, tmp_path) -> None:
    root = Path(ml_backend_server.models_dir) / "per-tag"
    (root / "team").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHIPPED_DETECTOR, root / "quick.pt")
    shutil.copyfile(SHIPPED_DETECTOR, root / "team" / "sure.pt")
    pid = ls_client.create_project(title=unique_title("per-tag-models"), label_config=CONFIG)["id"]
    images = write_test_images(tmp_path, 4, prefix="pertag")
    task_ids = ls_client.upload_files(pid, [str(p) for p, _ in images])

    connected = run_cli("backend", "connect", pid, ml_backend_server.url, "--predict-on-load")
    assert connected.code == 0, connected.err
    setup = httpx.post(f"{ml_backend_server.url}/setup", json={"schema": CONFIG}, timeout=60).json()
    assert [c["control"] for c in setup["controls"]] == ["quick", "sure"]
    assert setup["skipped_controls"] == ["RectangleLabels 'by_hand': skipped (model_skip=\"true\")"]
    version = setup["model_version"]
    assert version.startswith("labelops-quick-") and "+sure-" in version  # both weights files name the version

    ls_client.retrieve_predictions(pid)
    predictions = ls_client.predictions(pid)
    assert sorted(p["task"] for p in predictions) == sorted(task_ids)
    truth = {p.name: shapes for p, shapes in images}
    tasks = {t["id"]: t for t in ls_client.iter_tasks(pid)}
    found = total = kept = dropped = 0
    for pred in predictions:
        assert pred["model_version"] == version
        by_tag: dict[str, list[dict]] = {"quick": [], "sure": []}
        for region in pred["result"]:
            by_tag[region["from_name"]].append(region)  # a by_hand region would raise KeyError
        name = next(n for n in truth if tasks[pred["task"]]["data"]["image"].endswith(n))
        found += matched_shapes(truth[name], by_tag["quick"])
        total += len(truth[name])
        # the same weights behind both tags: "sure" holds exactly the boxes of "quick" scoring 0.97 or more
        assert all(r["score"] >= 0.97 for r in by_tag["sure"])
        assert sorted(map(_box, by_tag["sure"])) == sorted(_box(r) for r in by_tag["quick"] if r["score"] >= 0.97)
        kept += len(by_tag["sure"])
        dropped += len(by_tag["quick"]) - len(by_tag["sure"])
    assert found >= 0.8 * total, f"only {found} of {total} shapes found with IoU >= 0.5"
    # the shipped detector is sure of most shapes (0.94-0.99 on these images): the threshold keeps some, drops some
    assert kept > 0 and dropped > 0, (kept, dropped)
