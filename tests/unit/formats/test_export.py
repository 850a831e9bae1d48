"""Writing an export directory: a rerun replaces it whole, a failure leaves the old one, other folders are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.fileio import replacing_dir
from sdk_scripts.formats import yolo
from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from tests.support.formats import BOX_CONFIG, serve_images, shape_records


def _export(tmp_path: Path, n: int, out: str = "out") -> None:
    records, _ = shape_records(tmp_path / "media", n)
    export_dataset(Dataset(records, BOX_CONFIG), "coco", tmp_path / out,
                   ExportOptions(fetch=serve_images(tmp_path / "media")))


def test_a_rerun_replaces_the_export_whole(tmp_path: Path) -> None:
    _export(tmp_path, 4)
    (tmp_path / "out" / "images" / "stale.png").write_bytes(b"x")
    _export(tmp_path, 2)
    assert len(list((tmp_path / "out" / "images").iterdir())) == 2
    assert json.loads((tmp_path / "out" / "export.json").read_text())["exported"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "out"]  # no temp dir left beside it
    assert oct((tmp_path / "out").stat().st_mode & 0o777) == oct(0o755)


def test_a_failed_rerun_leaves_the_earlier_export(tmp_path: Path, monkeypatch) -> None:
    _export(tmp_path, 3)
    before = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "out").rglob("*"))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(yolo, "convert", broken)
    records, _ = shape_records(tmp_path / "media", 3)
    with pytest.raises(RuntimeError, match="disk full"):
        export_dataset(Dataset(records, BOX_CONFIG), "yolo", tmp_path / "out",
                       ExportOptions(fetch=serve_images(tmp_path / "media")))
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "out").rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "out"]


def test_a_directory_that_is_not_an_export_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("years of work")
    with pytest.raises(LabelopsError, match="exists and is not an earlier export"):
        _export(tmp_path, 2)
    assert (tmp_path / "out" / "thesis.tex").read_text() == "years of work"
    (tmp_path / "empty").mkdir()
    _export(tmp_path, 2, "empty")  # an empty directory may be used
    assert (tmp_path / "empty" / "result.json").is_file()


def test_replacing_dir_asks_before_replacing_and_builds_beside(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    with pytest.raises(FileExistsError), replacing_dir(tmp_path / "kept", lambda p: False):
        raise AssertionError("never built")
    with replacing_dir(tmp_path / "new" / "dir", lambda p: False) as building:
        assert building.parent == tmp_path / "new" and building.name.startswith(".dir.")
        (building / "a").write_text("a")
    assert (tmp_path / "new" / "dir" / "a").read_text() == "a"
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["dir"]
