"""Run label-studio-sdk's converter on Label Studio JSON items: its own converters, as Label Studio runs them."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sdk_scripts.formats.schema import LabelSchema


@contextmanager
def _quiet_converter() -> Iterator[None]:
    """The converter logs every task without labels (a background image) as a warning, and its CSV module logs
    at DEBUG on its own: only its errors reach the CLI's log while it runs."""
    names = ["label_studio_sdk.converter"] + [n for n in logging.root.manager.loggerDict
                                              if n.startswith("label_studio_sdk.converter.")]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def convert(schema: LabelSchema, items: list[dict], out: Path, fmt: str, **kwargs: Any) -> None:
    """Write `items` (Label Studio JSON export tasks) to `out` in the converter's format `fmt` (`YOLO`, `COCO`,
    `VOC`, `CONLL2003`, `CSV`); `kwargs` go to `Converter.convert` (`image_dir`, `label_dir`, `csv_separator`)."""
    from label_studio_sdk.converter import Converter

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="labelops-convert-") as tmp:
        source = Path(tmp) / "tasks.json"
        source.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        converter = Converter(schema.controls, project_dir=None, download_resources=False)
        with _quiet_converter():
            converter.convert(str(source), str(out), fmt, is_dir=False, **kwargs)
