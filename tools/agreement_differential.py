"""Differential check of `labelops agreement`: this tree's output against another revision's, on generated pulls.

`python tools/agreement_differential.py --base REV [--pulls N] [--tasks N]` writes N seeded random pulls that
cover every control kind the agreement engine scores (single and multiple choice, Rating, Number, TextArea,
Labels on Text, HyperTextLabels, RectangleLabels, PolygonLabels), quality fields, ground truth, cancelled and
duplicate annotations, annotations without an annotator, and values the config does not allow; then runs the
command of REV (`git archive`, imported first on PYTHONPATH) and of this working tree on each pull with
varied options (--min-annotators, --gold, --iou, --ci/--seed, every --by table) and compares the outputs
byte for byte. Exit 1 and the first difference of each output that differs; `--write DIR` keeps one pull
and the outputs (how tests/fixtures/agreement/ was made).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSONS, THINGS = ("PER", "ORG"), ("Car", "Person")
SENTIMENTS, TOPICS = ("positive", "negative", "neutral"), ("a", "b", "c", "d")
CONFIG = f"""<View>
  <Text name="text" value="$text"/>
  <HyperText name="page" value="$html"/>
  <Image name="image" value="$image"/>
  <Choices name="sentiment" toName="text">{"".join(f'<Choice value="{v}"/>' for v in SENTIMENTS)}</Choices>
  <Choices name="topics" toName="text" choice="multiple">{"".join(f'<Choice value="{v}"/>' for v in TOPICS)}</Choices>
  <Rating name="stars" toName="text" maxRating="5"/>
  <Number name="amount" toName="text" min="0" max="100"/>
  <TextArea name="summary" toName="text"/>
  <Labels name="ner" toName="text">{"".join(f'<Label value="{v}"/>' for v in PERSONS)}</Labels>
  <HyperTextLabels name="hner" toName="page">{"".join(f'<Label value="{v}"/>' for v in PERSONS)}</HyperTextLabels>
  <RectangleLabels name="box" toName="image">{"".join(f'<Label value="{v}"/>' for v in THINGS)}</RectangleLabels>
  <PolygonLabels name="poly" toName="image">{"".join(f'<Label value="{v}"/>' for v in THINGS)}</PolygonLabels>
  <Choices name="kind" toName="image" perRegion="true"><Choice value="x"/></Choices>
  <Choices name="confidence" toName="text"><Choice value="definitely"/><Choice value="might be"/></Choices>
  <Choices name="flag" toName="text" choice="multiple">
    <Choice value="ambiguous"/><Choice value="out of scope"/>
  </Choices>
</View>
"""
WORDS = ["the", "a", "car", "automobile", "red", "blue", "big", "small", "runs", "stops"]
# Option sets each pull is scored with (JSON), and the tables (text); all but the first without the semantic
# similarity (it loads a sentence-embedding model where the [backend] extra is installed).
OPTIONS = [["--json"], ["--json", "--min-annotators", "3"], ["--json", "--min-annotators", "1", "--iou", "0.3"],
           ["--json", "--gold", "{gold}"], ["--json", "--ci", "0.9", "--seed", "5"]]
TABLES = [["--by", by] for by in ("label", "task", "annotator", "week")]
OPTIONS = [OPTIONS[0]] + [[*options, "--no-semantic"] for options in OPTIONS[1:] + TABLES]


def _region(name: str, kind: str, value: dict) -> dict:
    return {"from_name": name, "to_name": "x", "type": kind, "value": value}


def _choices(rng: random.Random, truth: dict) -> list[dict]:
    out = []
    if rng.random() < 0.9:
        label = truth["sentiment"] if rng.random() < 0.7 else rng.choice(SENTIMENTS + ("bogus",))
        out.append(_region("sentiment", "choices", {"choices": [label]}))
    if rng.random() < 0.9:
        chosen = [t for t in TOPICS if (t in truth["topics"]) != (rng.random() < 0.15)]
        out.append(_region("topics", "choices", {"choices": chosen}))
    return out


def _scales(rng: random.Random, truth: dict) -> list[dict]:
    out = []
    if rng.random() < 0.9:
        stars = truth["stars"] if rng.random() < 0.6 else rng.choice([1, 2, 3, 4, 5, 7])
        out.append(_region("stars", "rating", {"rating": stars}))
    if rng.random() < 0.9:
        amount = round(truth["amount"] * rng.uniform(0.9, 1.1), 1) if rng.random() < 0.95 else 150.0
        out.append(_region("amount", "number", {"number": amount}))
    if rng.random() < 0.8:
        words = truth["summary"] if rng.random() < 0.5 else [rng.choice(WORDS) for _ in range(3)]
        out.append(_region("summary", "textarea", {"text": [" ".join(words)]}))
    return out


def _spans(rng: random.Random, truth: dict) -> list[dict]:
    out = []
    for start, end, label in truth["spans"]:
        if rng.random() < 0.75:
            shift = rng.choice([0, 0, 0, 1, -1])
            out.append(_region("ner", "labels", {"start": start + shift, "end": end, "labels": [label]}))
        if rng.random() < 0.75:
            out.append(_region("hner", "hypertextlabels", {
                "start": "/p[1]/text()[1]", "startOffset": start, "end": "/p[1]/text()[1]", "endOffset": end,
                "globalOffsets": {"start": start, "end": end + rng.choice([0, 0, 2])}, "hypertextlabels": [label]}))
    if rng.random() < 0.05:
        out.append(_region("ner", "labels", {"start": 9, "end": 3, "labels": ["PER"]}))
    return out


def _shapes(rng: random.Random, truth: dict) -> list[dict]:
    out = []
    for x, y, label in truth["boxes"]:
        if rng.random() < 0.8:
            out.append(_region("box", "rectanglelabels", {"x": x + rng.uniform(-3, 3), "y": y, "width": 20,
                                                          "height": 15, "rectanglelabels": [label]}))
        if rng.random() < 0.7:
            points = [[x, y], [x + 20 + rng.uniform(-2, 2), y], [x + 10, y + 15]]
            out.append(_region("poly", "polygonlabels", {"points": points, "polygonlabels": [label]}))
    if rng.random() < 0.05:
        out.append(_region("box", "rectanglelabels", {"x": 1, "y": 1, "width": -20, "height": 5,
                                                      "rectanglelabels": ["Car"]}))
    return out


def _quality(rng: random.Random) -> list[dict]:
    out = []
    if rng.random() < 0.15:
        out.append(_region("confidence", "choices", {"choices": ["might be"]}))
    if rng.random() < 0.1:
        out.append(_region("flag", "choices", {"choices": [rng.choice(["ambiguous", "out of scope"])]}))
    return out


def _truth(rng: random.Random) -> dict:
    spans = sorted({(s, s + rng.randint(2, 8), rng.choice(PERSONS)) for s in rng.sample(range(0, 60, 10), 2)})
    return {"sentiment": rng.choice(SENTIMENTS), "topics": {t for t in TOPICS if rng.random() < 0.4},
            "stars": rng.randint(1, 5), "amount": rng.uniform(1, 90), "summary": [rng.choice(WORDS) for _ in range(3)],
            "spans": spans if rng.random() < 0.8 else [],
            "boxes": [(rng.uniform(0, 70), rng.uniform(0, 70), rng.choice(THINGS)) for _ in range(rng.randint(0, 3))]}


def _annotation(rng: random.Random, ident: int, user: int | None, truth: dict) -> dict:
    result = _choices(rng, truth) + _scales(rng, truth) + _spans(rng, truth) + _shapes(rng, truth) + _quality(rng)
    day = rng.randint(1, 40)
    stamp = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{rng.randint(0, 23):02d}:00:00Z"
    annotation = {"id": ident, "result": result, "was_cancelled": rng.random() < 0.05,
                  "ground_truth": rng.random() < 0.05, "created_at": stamp, "updated_at": stamp}
    if user is not None:
        annotation["completed_by"] = user
    return annotation


def tasks(seed: int, n_tasks: int) -> list[dict]:
    """Seeded random tasks, 1-4 annotators each (an annotator twice now and then, one without an annotator)."""
    rng = random.Random(seed)
    out, ident = [], 0
    for task_id in range(1, n_tasks + 1):
        truth = _truth(rng)
        annotations = []
        for user in rng.sample(range(1, 6), rng.randint(1, 4)):
            for _ in range(2 if rng.random() < 0.05 else 1):
                ident += 1
                annotations.append(_annotation(rng, ident, user if rng.random() > 0.02 else None, truth))
        out.append({"id": task_id, "data": {"text": "x" * 70}, "annotations": annotations})
    return out


def write_pull(root: Path, seed: int, n_tasks: int) -> Path:
    """A pull directory (project.json, label_config.xml, tasks.jsonl) and a gold file beside it (gold.jsonl)."""
    root.mkdir(parents=True)
    (root / "project.json").write_text(json.dumps({"format": 1, "project": {"id": seed, "title": "differential"}}))
    (root / "label_config.xml").write_text(CONFIG)
    generated = tasks(seed, n_tasks)
    (root / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in generated))
    rng = random.Random(seed + 1)
    gold = [{"task": t["id"], "result": _annotation(rng, 0, 0, _truth(rng))["result"]}
            for t in generated if rng.random() < 0.3]
    (root / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold))
    return root


RUNNER = """
import contextlib, io, json, sys
from sdk_scripts import cli
for out, args in json.loads(sys.argv[1]):
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            code = cli.main(args)
    except Exception as exc:  # a crash is an output too: both sides must crash alike
        code = f"crashed: {type(exc).__name__}: {exc}"
    with open(out, "w") as fh:
        fh.write(f"exit {code}\\n" + buffer.getvalue())
"""


def run_all(tree: Path | None, runs: list[tuple[str, list[str]]]) -> None:
    """Every run of `runs` ((output file, CLI arguments)) in one process, with `tree` first on the import path."""
    env = {**os.environ, "LABEL_STUDIO_URL": "http://127.0.0.1:9", "LABEL_STUDIO_API_KEY": "unused"}
    env.pop("LABELOPS_CONFIG", None)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    subprocess.run([sys.executable, "-c", RUNNER, json.dumps(runs)], check=True, env=env, cwd=tree or ROOT)


def old_tree(rev: str, into: Path) -> Path:
    """The packages of revision `rev`, unpacked from `git archive`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "sdk_scripts", "ml_backend"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare with (e.g. HEAD~3)")
    parser.add_argument("--pulls", type=int, default=6)
    parser.add_argument("--tasks", type=int, default=60, help="tasks per pull (the first pull has a tenth)")
    parser.add_argument("--write", type=Path, help="keep the first pull and its outputs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agreement-diff-") as tmp:
        work = Path(tmp)
        base = old_tree(args.base, work / "base")
        runs = []
        for seed in range(args.pulls):
            pull = write_pull(work / f"pull{seed}", seed, max(args.tasks // 10, 4) if seed == 0 else args.tasks)
            for k, options in enumerate(OPTIONS):
                options = [o.replace("{gold}", str(pull / "gold.jsonl")) for o in options]
                runs.append((f"{seed}-{k}", ["agreement", str(pull), *options]))
        for side, tree in (("old", base), ("new", None)):
            (work / side).mkdir()
            run_all(tree, [(str(work / side / name), cli_args) for name, cli_args in runs])
        differ = 0
        for name, cli_args in runs:
            old, new = ((work / side / name).read_text() for side in ("old", "new"))
            if old != new:
                differ += 1
                print(f"DIFFERENT: {' '.join(cli_args[2:])} on {Path(cli_args[1]).name}")
                diff = difflib.unified_diff(old.splitlines(True), new.splitlines(True), "old", "new")
                print("".join(list(diff)[:40]))
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            for name in ("project.json", "label_config.xml", "tasks.jsonl", "gold.jsonl"):
                (args.write / name).write_bytes((work / "pull0" / name).read_bytes())
        crashed = sum((work / "new" / name).read_text().startswith("exit crashed") for name, _ in runs)
        print(f"{len(runs) - differ} of {len(runs)} outputs identical ({args.pulls} pulls, base {args.base}; "
              f"{crashed} crashed on this side)")
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
