"""YOLO-seg (PolygonLabels) and YOLO-cls (Choices on Image) serving paths, with untrained models built from yaml.

Only the plumbing is checked here (weights load, class mapping, region shapes, one result per task):
no trained seg/cls weights ship with the repo.
"""

from __future__ import annotations

import random

from ml_backend.model import LabelopsModel
from ml_backend.offline import configure_offline
from ml_backend.settings import BackendSettings
from ml_backend.training.shapes import make_image

CONFIG = """<View><Image name="image" value="$image"/>
<PolygonLabels name="poly" toName="image"><Label value="A"/><Label value="B"/></PolygonLabels>
<Choices name="kind" toName="image"><Choice value="A"/><Choice value="B"/></Choices></View>"""


def test_seg_and_cls_variants_answer_polygons_and_choices(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    configure_offline()
    import torch
    from ultralytics import YOLO

    torch.manual_seed(1)  # untrained weights: fixed, so the (random) network's output is the same every run
    for name in ("yolo11n-seg", "yolo11n-cls"):
        YOLO(f"{name}.yaml").save(str(tmp_path / f"{name}.pt"))
    make_image(random.Random(1))[0].save(tmp_path / "a.png")
    settings = BackendSettings(yolo_seg_model_path=str(tmp_path / "yolo11n-seg.pt"),
                               yolo_cls_model_path=str(tmp_path / "yolo11n-cls.pt"), allowed_local_dirs=[str(tmp_path)],
                               conf_threshold=0.0001, label_map={str(i): "AB"[i % 2] for i in range(1000)})
    model = LabelopsModel(label_config=CONFIG, settings=settings)
    assert model.unservable == ""
    assert model.model_version.startswith("labelops-yolo11n-cls-") and "+yolo11n-seg-" in model.model_version
    results = model.predict([{"id": 1, "data": {"image": str(tmp_path / "a.png")}}, {"id": 2, "data": {}}])
    assert len(results) == 2 and results[1]["result"] == []
    types = {r["type"] for r in results[0]["result"]}
    assert types == {"polygonlabels", "choices"}
    for r in results[0]["result"]:
        if r["type"] == "polygonlabels":
            assert len(r["value"]["points"]) >= 3 and r["value"]["polygonlabels"][0] in ("A", "B")
        else:
            assert r["value"]["choices"][0] in ("A", "B")
