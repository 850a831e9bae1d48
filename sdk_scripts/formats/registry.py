"""The registry: which formats exist, which fit a labeling config, and the writer for a format name."""

from __future__ import annotations

from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.base import FormatWriter
from sdk_scripts.formats.coco import CocoWriter
from sdk_scripts.formats.conll2003 import Conll2003Writer
from sdk_scripts.formats.csvfile import CsvWriter
from sdk_scripts.formats.hf import HfWriter
from sdk_scripts.formats.jsonl import JsonlWriter
from sdk_scripts.formats.schema import LabelSchema
from sdk_scripts.formats.voc import VocWriter
from sdk_scripts.formats.yolo import YoloWriter

REGISTRY: list[type[FormatWriter]] = [JsonlWriter, YoloWriter, CocoWriter, VocWriter, Conll2003Writer, HfWriter,
                                      CsvWriter]


def fitting(schema: LabelSchema) -> list[str]:
    """The names of the formats that can hold this config's labels, in the registry's order."""
    return [cls.name for cls in REGISTRY if cls.fits(schema)]


def writer_class(name: str) -> type[FormatWriter]:
    """The writer class of format `name`; LabelopsError for an unknown name."""
    cls = next((c for c in REGISTRY if c.name == name), None)
    if cls is None:
        raise LabelopsError(f"unknown export format {name!r}; formats: {', '.join(c.name for c in REGISTRY)}")
    return cls


def writer_for(name: str, label_config: str) -> FormatWriter:
    """The writer of format `name` for a project with this config; LabelopsError naming the formats that fit
    when this one does not (`yolo` for a text project)."""
    cls = writer_class(name)
    if cls.any_config:
        return cls()
    schema = LabelSchema.from_config(label_config)
    if not cls.fits(schema):
        raise LabelopsError(f"--format {name} does not fit this project's labels ({schema.describe()}); formats "
                            f"that fit: {', '.join(fitting(schema))}")
    return cls()
