"""`labelops dataset export --format ...` against a real Label Studio project, each format read back by its
consumer: 3 annotators' jittered boxes on uploaded images -> YOLO (fused finals, data.yaml, split; ultralytics
trains one epoch), COCO (pycocotools), Pascal VOC (the XML), CSV (csv.DictReader) and JSONL; a sentiment
project -> `datasets.load_from_disk`; 3 annotators' entity spans (a boundary and a label disagreement) ->
CoNLL 2003 BIO lines and a Hugging Face token-classification data set."""

from __future__ import annotations

import csv
import json
import random
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import combinations
from pathlib import Path
from statistics import fmean
from typing import NamedTuple

import pytest
import yaml

from ml_backend.training.shapes import CLASSES, Shape, make_image
from tests.support.cli import one_error_line
from tests.support.formats import (
    BOX_CONFIG,
    SIZE,
    Box,
    box,
    choice,
    conll_documents,
    labelled_boxes,
    max_gap,
    span_of,
    train_one_epoch,
)
from tests.support.labelstudio import annotator_sdk, unique_title

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

N_IMAGES = 6
JITTER = (-1.0, 0.0, 1.0)  # each annotator's shift in pixels: their mean is the true box


def _shifted(shape: Shape, dx: float, dy: float, label: str | None = None) -> Shape:
    x0, y0, x1, y1 = shape.box
    return Shape(label or shape.label, (x0 + dx, y0 + dy, x1 + dx, y1 + dy))


def _yolo_boxes(path: Path) -> list[tuple[str, tuple[float, float, float, float]]]:
    out = []
    for line in path.read_text().splitlines():
        cls, cx, cy, w, h = line.split()
        cx, cy, w, h = (float(v) * SIZE for v in (cx, cy, w, h))
        out.append((CLASSES[int(cls)], (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))
    return sorted(out, key=lambda item: item[1])


def _quorum_means(members: list[Shape]) -> list[Box]:
    """The mean box of each quorum (two or more) of an object's annotators: consensus averages the boxes its
    matching put in one cluster (equal weights: nobody rated their confidence), a cluster of at least a quorum."""
    return [tuple(fmean(m.box[k] for m in group) for k in range(4))
            for n in range(2, len(members) + 1) for group in combinations(members, n)]


def _assert_fused(got: list[tuple[str, Box]], objects: list[list[Shape]], tolerance: float, where: object) -> None:
    """`got` ((label, box) sorted by box) holds one box per object (`objects`: each one's annotators' drawings),
    with the label most of them gave, `tolerance` px from the mean of a quorum of their boxes."""
    want = sorted(objects, key=lambda members: tuple(fmean(m.box[k] for m in members) for k in range(4)))
    assert len(got) == len(want), (where, got)
    for (label, found), members in zip(got, want, strict=True):
        assert label == Counter(m.label for m in members).most_common(1)[0][0], (where, label, members)
        gap = min(max_gap(found, mean) for mean in _quorum_means(members))
        assert gap <= tolerance, (where, found, members)


class BoxProject(NamedTuple):
    pid: int
    truths: dict[int, list[Shape]]  # the tasks whose image is in Label Studio: the shapes drawn on it
    images: dict[int, Path]  # those tasks: the file uploaded
    missing: int  # the task whose image is not in Label Studio
    drawn: dict[int, list[list[Shape]]]  # every task: per object, each annotator's box of it (not the lone one)


@pytest.fixture(scope="module")
def box_project(ls_client, label_studio, annotators, tmp_path_factory: pytest.TempPathFactory) -> BoxProject:
    """Uploaded shape images, each boxed by three annotators with a pixel of jitter; on the first image the first
    annotator names one shape differently and draws a box nobody else saw; one task's image is not in Label
    Studio. One project for every test of the module (each only exports it)."""
    folder = tmp_path_factory.mktemp("export-boxes")
    project = ls_client.create_project(title=unique_title("Export boxes"), label_config=BOX_CONFIG,
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    pid = project["id"]
    rng = random.Random(11)
    paths, truths = [], []
    for i in range(N_IMAGES):
        img, shapes = make_image(rng, size=SIZE, max_shapes=2)
        img.save(folder / f"shape{i}.png")
        paths.append(folder / f"shape{i}.png")
        truths.append(shapes)
    ids = ls_client.upload_files(pid, [str(p) for p in paths])
    [missing] = ls_client.import_tasks(pid, [{"data": {"image": f"/data/upload/{pid}/not-uploaded.png"}}])
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    objects = {}
    for index, task_id in enumerate([*ids, missing]):
        shapes = truths[index] if index < N_IMAGES else truths[0]
        by_annotator = []
        for who, client in enumerate(clients):
            drawn = [_shifted(s, JITTER[who], -JITTER[who]) for s in shapes]
            if index == 0 and who == 0:  # the first (the old rule's representative) is the odd one out
                other = next(c for c in CLASSES if c != shapes[0].label)
                drawn = [_shifted(shapes[0], 1, 1, other), *drawn[1:], Shape("circle", (1.0, 1.0, 9.0, 9.0))]
            client.annotations.create(task_id, result=[box(s) for s in drawn])
            by_annotator.append(drawn)
        objects[task_id] = [[boxes[i] for boxes in by_annotator] for i in range(len(shapes))]
    return BoxProject(pid, dict(zip(ids, truths, strict=True)), dict(zip(ids, paths, strict=True)), missing,
                      objects)


def _export(run_cli, project: BoxProject, fmt: str, out: Path) -> None:
    """`dataset export --format fmt` of the box project without --split: every image but the missing one."""
    result = run_cli("dataset", "export", project.pid, "--format", fmt, "--out", out)
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == [f"exported {N_IMAGES} tasks as {fmt} to {out} (all {N_IMAGES})",
                                           f"1 task left out (listed in {out / 'export.json'}):"]
    assert result.out.splitlines()[2].startswith(f"  task {project.missing}: image not fetched: HTTP ")
    manifest = json.loads((out / "export.json").read_text())
    assert (manifest["format"], manifest["project"], manifest["exported"]) == (fmt, project.pid, N_IMAGES)
    assert [item["task"] for item in manifest["left_out"]] == [project.missing]


def _image_weights(out: Path, project: BoxProject) -> dict[str, dict]:
    """weights.json's entries by image file name, checked against the tasks exported."""
    weights = json.loads((out / "weights.json").read_text())
    assert weights["snapshot"] == json.loads((out / "export.json").read_text())["snapshot"]
    assert sorted(entry["task"] for entry in weights["images"].values()) == sorted(project.truths)
    assert all(0 < entry["weight"] <= 1 and entry["split"] == "all" for entry in weights["images"].values())
    return weights["images"]


def test_yolo_export_of_fused_boxes_trains_ultralytics(box_project, run_cli, tmp_path: Path, monkeypatch) -> None:
    pid, truths, missing = box_project.pid, box_project.truths, box_project.missing
    out = tmp_path / "yolo"
    result = run_cli("dataset", "export", pid, "--format", "yolo", "--out", out, "--split", "train:0.7,val:0.3",
                     "--seed", "2")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"exported {N_IMAGES} tasks as yolo to {out} (train ")
    assert lines[1] == f"1 task left out (listed in {out / 'export.json'}):"
    assert lines[2].startswith(f"  task {missing}: image not fetched: HTTP ")  # Label Studio answers 500 here

    spec = yaml.safe_load((out / "data.yaml").read_text())
    assert spec["names"] == dict(enumerate(CLASSES)) and (spec["train"], spec["val"]) == ("images/train", "images/val")
    images = {p.name: p for split in ("train", "val") for p in (out / "images" / split).iterdir()}
    assert len(images) == N_IMAGES and list((out / "images" / "val").iterdir())
    weights = json.loads((out / "weights.json").read_text())
    assert set(weights["images"]) == set(images) and weights["snapshot"]
    for name, entry in weights["images"].items():
        truth = sorted(truths[entry["task"]], key=lambda s: s.box)
        found = _yolo_boxes(out / "labels" / entry["split"] / f"{Path(name).stem}.txt")
        # one box per object (the first annotator's lone box is below the quorum), the majority label,
        # within 2 px of the annotators' mean (the true box)
        assert [label for label, _ in found] == [s.label for s in truth], name
        for (_, got), want in zip(found, truth, strict=True):
            assert max(abs(a - b) for a, b in zip(got, want.box, strict=True)) <= 2, (name, got, want.box)
        assert 0 < entry["weight"] <= 1

    monkeypatch.setenv("YOLO_CONFIG_DIR", str(tmp_path / "ultralytics"))
    metrics = train_one_epoch(out / "data.yaml", tmp_path / "train")
    assert 0.0 <= float(metrics.box.map50) <= 1.0

    again = run_cli("dataset", "export", pid, "--format", "yolo", "--out", out, "--seed", "2")
    assert again.code == 0, again.err  # a rerun replaces the export whole
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_hf_export_of_a_text_project_loads_with_class_labels(ls_client, label_studio, annotators, run_cli,
                                                             tmp_path: Path) -> None:
    from datasets import ClassLabel, load_from_disk

    from sdk_scripts.label_config_library import read_config

    project = ls_client.create_project(title=unique_title("Export text"), label_config=read_config("text_sentiment"),
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    pid = project["id"]
    plan = [("lovely day", "positive"), ("so so", "neutral"), ("terrible", "negative"), ("great", "positive")]
    ids = ls_client.import_tasks(pid, [{"data": {"text": text}} for text, _ in plan])
    for who, client in enumerate(annotator_sdk(label_studio, a) for a in annotators):
        for task_id, (_, label) in zip(ids, plan, strict=True):
            picked = "neutral" if (who == 2 and label == "positive") else label  # outvoted
            client.annotations.create(task_id, result=[choice("sentiment", picked)])

    refused = run_cli("dataset", "export", pid, "--format", "yolo", "--out", tmp_path / "no")
    assert one_error_line(refused.err, refused.code) == (
        "labelops: error: --format yolo does not fit this project's labels (Choices on Text); formats that fit: "
        "jsonl, hf, csv")

    result = run_cli("export", pid, "--format", "hf", "--out", tmp_path / "hf")  # the older name
    assert result.code == 0, result.err
    data = load_from_disk(str(tmp_path / "hf"))
    rows = {row["task"]: row for row in data["train"]}
    label = data["train"].features["label"]
    assert isinstance(label, ClassLabel) and label.names == ["positive", "neutral", "negative"]
    assert {task: label.int2str(rows[task]["label"]) for task in ids} == {t: lab for t, (_, lab) in zip(ids, plan,
                                                                                                       strict=True)}
    assert all(0 < rows[task]["weight"] <= 1 and rows[task]["snapshot"] for task in ids)

    jsonl = run_cli("dataset", "export", pid, "--out", tmp_path / "final.jsonl")
    assert jsonl.code == 0, jsonl.err
    records = [json.loads(line) for line in (tmp_path / "final.jsonl").read_text().splitlines()]
    assert {r["snapshot"] for r in records} == {rows[ids[0]]["snapshot"]} and all("weight" in r for r in records)


def test_coco_export_reads_back_with_pycocotools(box_project, run_cli, tmp_path: Path) -> None:
    from pycocotools.coco import COCO

    out = tmp_path / "coco"
    _export(run_cli, box_project, "coco", out)
    weights = _image_weights(out, box_project)
    coco = COCO(str(out / "result.json"))
    assert [coco.cats[i]["name"] for i in sorted(coco.cats)] == list(CLASSES)  # the config's labels, in its order
    assert len(coco.imgs) == N_IMAGES
    for image_id, image in coco.imgs.items():
        path = out / image["file_name"]  # relative to result.json
        task = weights[path.name]["task"]
        assert path.read_bytes() == box_project.images[task].read_bytes(), path  # the uploaded file itself
        assert (image["width"], image["height"]) == (SIZE, SIZE)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id]))
        got = sorted(((coco.cats[a["category_id"]]["name"], (x, y, x + w, y + h)) for a in anns
                      for x, y, w, h in [a["bbox"]]), key=lambda item: item[1])
        _assert_fused(got, box_project.drawn[task], 0.01, path.name)


def test_voc_export_xml_holds_the_fused_boxes(box_project, run_cli, tmp_path: Path) -> None:
    out = tmp_path / "voc"
    _export(run_cli, box_project, "voc", out)
    weights = _image_weights(out, box_project)
    xmls = sorted((out / "Annotations").glob("*.xml"))
    assert sorted(p.stem for p in xmls) == sorted(Path(name).stem for name in weights)
    for path in xmls:
        root = ET.parse(path).getroot()
        image = out / root.findtext("folder") / root.findtext("filename")
        task = weights[image.name]["task"]
        assert image.read_bytes() == box_project.images[task].read_bytes(), image
        assert (root.findtext("size/width"), root.findtext("size/height")) == (str(SIZE), str(SIZE))
        got = sorted(((o.findtext("name"), tuple(float(o.findtext(f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax",
                                                                                             "ymax")))
                      for o in root.iter("object")), key=lambda item: item[1])
        _assert_fused(got, box_project.drawn[task], 2, path.name)  # whole pixels: x and width truncated apart


def test_jsonl_and_csv_exports_hold_the_fused_boxes_weights_and_snapshot(box_project, run_cli,
                                                                          tmp_path: Path) -> None:
    result = run_cli("dataset", "export", box_project.pid, "--format", "jsonl", "--out", tmp_path / "final.jsonl")
    assert result.code == 0, result.err
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "final.jsonl").read_text().splitlines())}
    assert sorted(records) == sorted(box_project.drawn)  # jsonl fetches no image: the missing one's task is there
    [snapshot] = {r["snapshot"] for r in records.values()}
    assert snapshot
    for task, rec in records.items():
        _assert_fused(labelled_boxes(rec["final"]), box_project.drawn[task], 1e-6, task)
        assert rec["final_source"] == "consensus" and 0 < rec["weight"] <= 1, (task, rec["final_source"])

    out = tmp_path / "csv"
    result = run_cli("dataset", "export", box_project.pid, "--format", "csv", "--out", out)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"exported {len(records)} tasks as csv to {out} (all {len(records)})"]
    with (out / "result.csv").open(newline="", encoding="utf-8") as fh:
        rows = {int(float(row["id"])): row for row in csv.DictReader(fh)}
    assert sorted(rows) == sorted(records)  # a row per task: csv needs no image either
    for task, row in rows.items():
        assert (float(row["weight"]), row["snapshot"]) == (records[task]["weight"], snapshot), task
        assert (row["image"], row["annotator"]) == (records[task]["data"]["image"], "labelops:consensus"), task
        in_csv = [{"value": value} for value in json.loads(row["label"])]  # the converter writes the values
        assert labelled_boxes(in_csv) == labelled_boxes(records[task]["final"]), task


NER_TEXTS = ("Ann Lee flew to Paris with Acme Corp today", "Write to bob@example.com before Friday",
             "Nobody labelled this one")


def _ner_plan() -> list[tuple[list[dict], list[dict]]]:
    """Each annotator's spans on the first two texts: "Ann Lee" drawn as 0-7, 0-3 and 0-12; "Paris" ORG, LOC,
    LOC; the email from 9, 9 and 6 ("to bob@...")."""
    first, second = NER_TEXTS[:2]
    plan = []
    for person, paris, email in (("Ann Lee", "ORG", "bob@example.com"), ("Ann", "LOC", "bob@example.com"),
                                 ("Ann Lee flew", "LOC", "to bob@example.com")):
        plan.append(([span_of(first, person, "PERSON"), span_of(first, "Paris", paris),
                      span_of(first, "Acme Corp", "ORG")], [span_of(second, email, "EMAIL")]))
    return plan


# The fused spans as the converter tokenizes them: the median boundaries ("Ann Lee", the email without "to"),
# the majority label (LOC); the converter splits the email at "@".
NER_WANT = [[("Ann", "B-PERSON"), ("Lee", "I-PERSON"), ("flew", "O"), ("to", "O"), ("Paris", "B-LOC"), ("with", "O"),
             ("Acme", "B-ORG"), ("Corp", "I-ORG"), ("today", "O")],
            [("Write", "O"), ("to", "O"), ("bob", "B-EMAIL"), ("@", "I-EMAIL"), ("example.com", "I-EMAIL"),
             ("before", "O"), ("Friday", "O")]]


def test_conll2003_and_hf_exports_of_fused_entity_spans(ls_client, label_studio, annotators, run_cli,
                                                       tmp_path: Path) -> None:
    from datasets import ClassLabel, load_from_disk

    from sdk_scripts.label_config_library import read_config

    config = read_config("text_ner")
    project = ls_client.create_project(title=unique_title("Export spans"), label_config=config,
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    pid = project["id"]
    ids = ls_client.import_tasks(pid, [{"data": {"text": text}} for text in NER_TEXTS])
    for client, results in zip((annotator_sdk(label_studio, a) for a in annotators), _ner_plan(), strict=True):
        for task_id, result in zip(ids, results, strict=False):  # nobody labels the third text
            client.annotations.create(task_id, result=result)

    out = tmp_path / "conll"
    result = run_cli("dataset", "export", pid, "--format", "conll2003", "--out", out)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"exported 2 tasks as conll2003 to {out} (all 2)",
                                       f"1 task left out (listed in {out / 'export.json'}):",
                                       f"  task {ids[2]}: no final label yet (pending, no consensus)"]
    assert conll_documents(out / "result.conll") == NER_WANT
    sidecar = json.loads((out / "weights.json").read_text())
    assert [item["task"] for item in sidecar["items"]] == ids[:2] and sidecar["snapshot"]
    assert all(0 < item["weight"] <= 1 for item in sidecar["items"])

    result = run_cli("dataset", "export", pid, "--format", "hf", "--out", tmp_path / "hf")
    assert result.code == 0, result.err
    assert f"  task {ids[2]}: no final label yet" in result.out
    data = load_from_disk(str(tmp_path / "hf"))
    assert list(data) == ["train"]
    tags = data["train"].features["ner_tags"].feature
    labels = [label.get("value") for label in ET.fromstring(config).iter("Label")]
    assert isinstance(tags, ClassLabel) and tags.names == ["O"] + [f"{p}-{label}" for label in labels for p in "BI"]
    rows = {row["task"]: row for row in data["train"]}
    assert sorted(rows) == ids[:2]
    for task, text, want, item in zip(ids, NER_TEXTS, NER_WANT, sidecar["items"], strict=False):
        row = rows[task]
        assert (row["text"], row["tokens"]) == (text, [token for token, _ in want])
        assert [tags.int2str(i) for i in row["ner_tags"]] == [tag for _, tag in want], task
        assert row["weight"] == pytest.approx(item["weight"], rel=1e-6) and row["snapshot"] == sidecar["snapshot"]
