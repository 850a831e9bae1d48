"""`--format voc`: the converter's Pascal VOC XML beside its images, read back as XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from tests.support.formats import BOX_CONFIG, SIZE, serve_images, shape_records


def test_each_image_has_its_voc_xml_with_the_boxes(tmp_path: Path) -> None:
    records, shapes = shape_records(tmp_path / "media", 3)
    result = export_dataset(Dataset(records, BOX_CONFIG, "snapvoc"), "voc", tmp_path / "out",
                            ExportOptions(fetch=serve_images(tmp_path / "media")))
    assert result.summary.splits == {"all": 3}
    xmls = sorted((tmp_path / "out" / "Annotations").glob("*.xml"))
    assert len(xmls) == 3
    for path in xmls:
        root = ET.parse(path).getroot()
        image = tmp_path / "out" / root.findtext("folder") / root.findtext("filename")
        assert image.is_file() and image.stem == path.stem
        assert (root.findtext("size/width"), root.findtext("size/height")) == (str(SIZE), str(SIZE))
        truth = shapes[int(path.stem.split("-")[0]) - 100]
        got = sorted((o.findtext("name"), *(int(o.findtext(f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax", "ymax")))
                     for o in root.iter("object"))
        want = sorted((s.label, *s.box) for s in truth)
        assert [g[0] for g in got] == [w[0] for w in want]
        # the converter truncates to whole pixels (x and width separately)
        assert all(abs(a - b) <= 2 for g, w in zip(got, want, strict=True) for a, b in zip(g[1:], w[1:], strict=True))
    weights = json.loads((tmp_path / "out" / "weights.json").read_text())
    assert {f"{Path(name).stem}.xml" for name in weights["images"]} == {p.name for p in xmls}
