"""The demo's text project: 3-annotator emotions, an earlier labelled round, live annotations, held-out figures.

Bundled data (`sdk_scripts/samples/`): `emotion_tasks.jsonl`, 24 texts the three annotators label live
(answers in `emotion_demo_annotations.jsonl`: disagreements, sarcasm and flags for the review loop; the
last `LEFT_FOR_PEOPLE` are left for whoever logs in); `emotion_earlier_round.jsonl`, 126 texts (18 per
emotion) an earlier round labelled, imported with the three annotators' answers in Label Studio's own
import format; `emotion_held_out.jsonl`, 42 texts (6 per emotion) never imported, on which the backend's
zero-shot model and the project's trained version are scored (`figures`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdk_scripts.demo.figures import HeldOutFigures, correct
from sdk_scripts.demo.loop import create_project, samples_dir
from sdk_scripts.demo.people import as_user
from sdk_scripts.devserver.users import Annotator
from sdk_scripts.labelstudio.backend_api import backend_predict
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.project_ids import project_uid
from sdk_scripts.task_import import import_task_file

SPEC = "emotion_project.yaml"
CONTROL = "emotion"
LEFT_FOR_PEOPLE = 6  # the last sample tasks, left unlabeled for whoever logs in as an annotator
TRAIN_EVERY = 18  # annotations between training runs (the demo backend's TRAIN_MIN_ANNOTATIONS)


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (samples_dir() / name).read_text().splitlines() if line.strip()]


def _write_jsonl(path: Path, rows: Iterator[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


@dataclass
class TextProject:
    project: dict
    imported: int
    present: int


def set_up_text_project(client: LabelStudioClient) -> TextProject:
    """Create the emotion project and import the sample texts (both idempotent)."""
    project = create_project(client, SPEC)
    report = import_task_file(client, project["id"], samples_dir() / "emotion_tasks.jsonl")
    return TextProject(project, report.imported, report.already_present)


def simulated_result(answer: dict) -> list[dict]:
    """A text_emotion annotation result from one simulated answer."""
    def choices(name: str, values: list[str]) -> dict:
        return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": values}}

    result = [choices(CONTROL, answer["emotion"]), choices("confidence", [answer["confidence"]])]
    if answer.get("flag"):
        result.append(choices("flag", [answer["flag"]]))
    if answer.get("sarcasm"):
        result.append(choices("sarcasm", ["sarcastic"]))
    return result


def earlier_round_task(index: int, text: str, emotion: str, annotators: list[Annotator]) -> dict:
    """One earlier-round text in Label Studio's import format: the three annotators agreed on its emotion.

    Their confidence varies (one in five answers "probably"); `ground_truth: false` keeps them plain
    annotations (Label Studio's import makes imported annotations ground truth unless told otherwise).
    """
    annotations = [{"result": simulated_result({"emotion": [emotion],
                                                "confidence": "probably" if (index + k) % 5 == 0 else "definitely"}),
                    "completed_by": {"email": a.email}, "ground_truth": False, "was_cancelled": False}
                   for k, a in enumerate(annotators)]
    return {"data": {"text": text}, "annotations": annotations}


@dataclass
class EarlierRound:
    imported: int
    present: int
    annotations: int


def import_earlier_round(client: LabelStudioClient, project_id: int, annotators: list[Annotator],
                         demo_dir: Path) -> EarlierRound:
    """Import the earlier round's texts with their annotations (once; the import file is kept in `demo_dir`)."""
    rows = _rows("emotion_earlier_round.jsonl")
    path = _write_jsonl(demo_dir / "emotion_earlier_round_tasks.jsonl",
                        (earlier_round_task(i, r["text"], r["emotion"], annotators) for i, r in enumerate(rows)))
    report = import_task_file(client, project_id, path)
    return EarlierRound(report.imported, report.already_present, report.imported * len(annotators))


def annotate_as_simulated_annotators(url: str, client: LabelStudioClient, project_id: int,
                                     annotators: list[Annotator]) -> int:
    """The annotators label every sample task but the last LEFT_FOR_PEOPLE from the bundled answers (once)."""
    answers = {row["text"]: row["annotators"] for row in _rows("emotion_demo_annotations.jsonl")}
    sample_order = [row["text"] for row in _rows("emotion_tasks.jsonl")]
    left = set(sample_order[-LEFT_FOR_PEOPLE:])
    sdks = [as_user(url, a) for a in annotators]
    made = 0
    for task in client.iter_tasks(project_id):
        text = task["data"].get("text")
        if text in left or text not in answers:
            continue
        done = {a.get("completed_by") for a in task.get("annotations") or []}
        for annotator, sdk, answer in zip(annotators, sdks, answers[text], strict=False):
            if annotator.id not in done:
                sdk.annotations.create(task["id"], result=simulated_result(answer))
                made += 1
    return made


def held_out(client: LabelStudioClient, project_id: int, backend_url: str) -> HeldOutFigures:
    """The backend's zero-shot model vs the project's served version on the held-out texts (never imported)."""
    rows = _rows("emotion_held_out.jsonl")
    tasks = [{"id": i, "data": {"text": r["text"]}} for i, r in enumerate(rows)]
    labels = [r["emotion"] for r in rows]
    project = client.project(project_id)
    zero_shot = backend_predict(backend_url, tasks, project["label_config"], None)
    trained = backend_predict(backend_url, tasks, project["label_config"], project_uid(project))
    return HeldOutFigures(len(rows), str(zero_shot["model_version"]),
                          correct(zero_shot["results"], labels, CONTROL), str(trained["model_version"]),
                          correct(trained["results"], labels, CONTROL))


def held_out_line(figures: HeldOutFigures) -> str:
    """One line: the accuracy on the held-out texts before any training and now."""
    if figures.trained_version == figures.zero_shot_version:
        return f"held-out texts ({figures.texts}): no trained version yet, zero-shot {figures.zero_shot_accuracy:.2f}"
    return (f"held-out texts ({figures.texts}, never imported): accuracy zero-shot {figures.zero_shot_accuracy:.2f} "
            f"({figures.zero_shot_version}) -> trained {figures.trained_accuracy:.2f} ({figures.trained_version})")


def active_learning_summary(status: dict[str, Any], project: dict) -> str:
    """One line on the training runs Label Studio started (from the backend's /al/status for the project)."""
    trained = [h for h in status["history"] if h.get("event") == "trained"]
    if not trained:
        failed = [h.get("error") for h in status["history"] if h.get("event") == "failed"]
        return "active learning: no model trained yet" + (f" (last run failed: {failed[-1]})" if failed else "")
    examples = ", ".join(f"{name} from {c.get('examples')} labelled texts"
                         for name, c in trained[-1]["controls"].items() if "error" not in c)
    version, served = project.get("model_version"), status.get("model_version")
    note = "" if served == version else f"; the backend serves {served}"
    return (f"active learning: {len(trained)} training run(s), started by Label Studio every "
            f"{project.get('min_annotations_to_start_training')} annotations (\"Start model training on annotation "
            f"submission\"); project now on {version} ({examples}){note}; Label Studio serves the task its "
            "predictions are least sure about first (Uncertainty sampling)")
