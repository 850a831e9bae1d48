"""`--format hf`: a DatasetDict that `datasets.load_from_disk` reads back with ClassLabel features."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import ClassLabel, load_from_disk

from sdk_scripts import extras
from sdk_scripts.errors import LabelopsError
from sdk_scripts.formats.base import Dataset, ExportOptions
from sdk_scripts.formats.export import export_dataset
from sdk_scripts.label_config_library import read_config
from tests.support.formats import choice, record, span

SENTIMENTS = [("I love it", "positive"), ("It is fine", "neutral"), ("Awful.", "negative"), ("Great!", "positive"),
              ("Meh", "neutral"), ("Bad bad", "negative")]


def _sentiment_records() -> list[dict]:
    records = [record(i + 1, {"text": text}, [choice("sentiment", label)], weight=0.5 + i / 20)
               for i, (text, label) in enumerate(SENTIMENTS)]
    records.append(record(20, {"text": "?"}, [choice("sentiment", "sarcastic")]))  # not among the config's
    records.append(record(21, {"text": "held"}, None, state="quarantined"))
    return records


def test_text_classification_loads_with_class_label_ids(tmp_path: Path) -> None:
    config = read_config("text_sentiment")
    options = ExportOptions(ratios={"train": 0.5, "test": 0.5}, stratify=True)
    result = export_dataset(Dataset(_sentiment_records(), config, "snaphf"), "hf", tmp_path / "out", options)
    assert [(i.task, i.reason) for i in result.summary.left_out] == [
        (20, "a label that is not among the labeling config's")]
    data = load_from_disk(str(tmp_path / "out"))
    assert set(data) == {"train", "test"} and data["train"].num_rows + data["test"].num_rows == 6
    label = data["train"].features["label"]
    assert isinstance(label, ClassLabel) and label.names == ["positive", "neutral", "negative"]
    assert set(data["train"].column_names) == {"task", "text", "label", "weight", "snapshot"}
    rows = {row["task"]: row for split in data.values() for row in split}
    for i, (text, name) in enumerate(SENTIMENTS):
        assert rows[i + 1]["text"] == text and label.int2str(rows[i + 1]["label"]) == name
        assert rows[i + 1]["weight"] == pytest.approx(0.5 + i / 20) and rows[i + 1]["snapshot"] == "snaphf"
    # stratified: every label in both splits
    assert {label.int2str(v) for v in data["train"]["label"]} == {"positive", "neutral", "negative"}


def test_ner_loads_as_tokens_with_bio_tags(tmp_path: Path) -> None:
    text = "Mail jo@example.com on 1990-01-02"
    final = [span(text, 5, 19, "EMAIL"), span(text, 23, 33, "DATE_OF_BIRTH")]
    records = [record(1, {"text": text}, final, confidence=0.7), record(2, {"text": "nothing here"}, [])]
    export_dataset(Dataset(records, read_config("text_ner")), "hf", tmp_path / "out", ExportOptions())
    data = load_from_disk(str(tmp_path / "out"))["train"]
    tags = data.features["ner_tags"].feature
    assert isinstance(tags, ClassLabel) and tags.names[0] == "O" and "B-EMAIL" in tags.names
    first = data[0]
    named = list(zip(first["tokens"], (tags.int2str(t) for t in first["ner_tags"]), strict=True))
    assert named == [("Mail", "O"), ("jo", "B-EMAIL"), ("@", "I-EMAIL"), ("example.com", "I-EMAIL"), ("on", "O"),
                     ("1990-01-02", "B-DATE_OF_BIRTH")]
    assert first["weight"] == pytest.approx(0.7)  # no `weight` yet: the confidence
    assert data[1]["ner_tags"] == [0, 0] and data[1]["snapshot"] == ""


def test_multiple_choice_controls_are_sequences_named_by_control(tmp_path: Path) -> None:
    records = [record(1, {"text": "x"}, [choice("emotion", "joy", "fear")]), record(2, {"text": "y"}, [])]
    export_dataset(Dataset(records, read_config("text_emotion")), "hf", tmp_path / "out", ExportOptions())
    data = load_from_disk(str(tmp_path / "out"))["train"]
    emotion = data.features["emotion"].feature
    assert [emotion.int2str(v) for v in data[0]["emotion"]] == ["joy", "fear"] and data[1]["emotion"] == []
    assert "sarcasm" in data.column_names and "label" not in data.column_names


def test_without_the_export_extra_one_line_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(extras, "missing_modules", lambda extra: ["datasets"] if extra == "export" else [])
    with pytest.raises(LabelopsError) as err:
        export_dataset(Dataset(_sentiment_records(), read_config("text_sentiment")), "hf", tmp_path / "out",
                       ExportOptions())
    assert str(err.value) == ("`labelops dataset export --format hf` needs the Hugging Face datasets library "
                              "(not installed: datasets): pip install 'labelops[export]'")
    assert not (tmp_path / "out").exists()
