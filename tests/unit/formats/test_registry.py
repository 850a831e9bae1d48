"""Which formats fit which labeling config (the converter's own supported formats), and the error naming them."""

from __future__ import annotations

import pytest

from sdk_scripts.cli.dataset import FORMATS
from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.registry import REGISTRY, fitting, writer_for
from sdk_scripts.formats.schema import LabelSchema
from sdk_scripts.label_config_library import read_config


def test_the_cli_offers_exactly_the_registered_formats() -> None:
    assert tuple(cls.name for cls in REGISTRY) == FORMATS


@pytest.mark.parametrize(("config", "formats"), [
    ("image_bbox", ["jsonl", "yolo", "coco", "voc", "csv"]),
    ("text_sentiment", ["jsonl", "hf", "csv"]),
    ("text_emotion", ["jsonl", "hf", "csv"]),
    ("text_ner", ["jsonl", "conll2003", "hf", "csv"]),
    ("audio_transcription", ["jsonl", "csv"]),
])
def test_formats_fit_the_shipped_configs(config: str, formats: list[str]) -> None:
    assert fitting(LabelSchema.from_config(read_config(config))) == formats


def test_quality_fields_are_not_labels() -> None:
    schema = LabelSchema.from_config(read_config("image_bbox"))
    assert set(schema.controls) == {"label"}  # confidence, flag and comment describe the annotation


def test_a_format_that_does_not_fit_names_those_that_do() -> None:
    with pytest.raises(LabelopsError) as err:
        writer_for("yolo", read_config("text_sentiment"))
    assert str(err.value) == ("--format yolo does not fit this project's labels (Choices on Text); formats that fit: "
                              "jsonl, hf, csv")
    with pytest.raises(LabelopsError, match=r"formats that fit: jsonl, yolo, coco, voc, csv"):
        writer_for("conll2003", read_config("image_bbox"))
    with pytest.raises(LabelopsError, match="unknown export format 'parquet'"):
        writer_for("parquet", read_config("image_bbox"))


def test_a_config_that_does_not_parse_is_one_error() -> None:
    with pytest.raises(LabelopsError, match="labeling config does not parse"):
        LabelSchema.from_config("<View><Image name='i' value='$i'/><RectangleLabels name='l' toName='i'>")
