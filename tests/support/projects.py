"""Projects the tests build in Label Studio: the review loop's emotion project, the active-learning routing one."""

from __future__ import annotations

import json

from sdk_scripts.devserver.label_studio import LocalLabelStudio
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.ml_backend_link import connect_backend
from sdk_scripts.preannotate import preannotate
from tests.support.labelstudio import annotator_sdk, unique_title
from tests.support.paths import ROOT

# -- the review loop: text_emotion, three annotators --------------------------------------------------------------

EMOTIONS = ["joy", "anger", "sadness"]
# task index -> the emotion each of the three annotators picks, and who flags it ambiguous
PLAN = {
    0: (["joy", "joy", "joy"], None),
    1: (["anger", "anger", "anger"], None),
    2: (["sadness", "sadness", "sadness"], None),
    3: (["joy", "anger", "sadness"], None),
    4: (["anger", "anger", "joy"], None),
    5: (["joy", "joy", "joy"], 1),
}


def emotion_result(emotion: str, flagged: bool = False, confidence: str = "probably") -> list[dict]:
    result = [
        {"from_name": "emotion", "to_name": "text", "type": "choices", "value": {"choices": [emotion]}},
        {"from_name": "confidence", "to_name": "text", "type": "choices", "value": {"choices": [confidence]}},
    ]
    if flagged:
        result.append({"from_name": "flag", "to_name": "text", "type": "choices", "value": {"choices": ["ambiguous"]}})
    return result


def review_result(emotion: str | None, decision: str, reason: str, edge_case: bool) -> list[dict]:
    result = [] if emotion is None else [
        {"from_name": "emotion", "to_name": "text", "type": "choices", "value": {"choices": [emotion]}}]
    result += [
        {"from_name": "review_decision", "to_name": "review_info", "type": "choices",
         "value": {"choices": [decision]}},
        {"from_name": "review_reason", "to_name": "review_info", "type": "textarea", "value": {"text": [reason]}},
    ]
    if edge_case:
        result.append({"from_name": "edge_case_log", "to_name": "review_info", "type": "choices",
                       "value": {"choices": ["add to edge-case log"]}})
    return result


def annotated_emotion_project(ls_client: LabelStudioClient, label_studio: LocalLabelStudio, annotators: list):
    """A 3-annotator emotion project annotated per PLAN by three real users: project, task ids, their SDK
    clients, annotation ids by (task index, annotator index)."""
    config = render_config(read_config("text_emotion"), {"emotion": EMOTIONS})
    project = ls_client.create_project(title=unique_title("Review loop"), label_config=config,
                                       maximum_annotations=3, overlap_cohort_percentage=100)
    ids = ls_client.import_tasks(project["id"], [{"data": {"text": f"item {i}"}} for i in PLAN])
    clients = [annotator_sdk(label_studio, a) for a in annotators]
    annotation_ids: dict[tuple[int, int], int] = {}
    for index, (choices, flagger) in PLAN.items():
        for who, emotion in enumerate(choices):
            made = clients[who].annotations.create(ids[index], result=emotion_result(emotion, flagger == who))
            annotation_ids[(index, who)] = made.id
    return project, ids, clients, annotation_ids


def disputed_project(client: LabelStudioClient, server: LocalLabelStudio, annotators, n_tasks: int):
    """n_tasks tasks on which two annotators disagree."""
    config = render_config(read_config("text_emotion"), {"emotion": ["joy", "anger"]})
    project = client.create_project(title=unique_title("Faults"), label_config=config, maximum_annotations=2,
                                    overlap_cohort_percentage=100)
    ids = client.import_tasks(project["id"], [{"data": {"text": f"case {i}"}} for i in range(n_tasks)])
    first, second = (annotator_sdk(server, a) for a in annotators[:2])
    for task_id in ids:
        first.annotations.create(task_id, result=emotion_result("joy"))
        second.annotations.create(task_id, result=emotion_result("anger"))
    return project, ids


# -- active learning: texts routed by the emotion they express, under names a zero-shot model cannot read ---------

EMOTIONS_60 = ROOT / "ml_backend" / "data" / "emotions_60.json"
ROUTE = {"anger": "route-1", "joy": "route-2", "sadness": "route-3"}
ROUTING_CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="queue" toName="text" choice="single-radio">
<Choice value="route-1"/><Choice value="route-2"/><Choice value="route-3"/></Choices>
<Choices name="flag" toName="text" choice="multiple"><Choice value="ambiguous"/><Choice value="out of scope"/></Choices>
</View>"""


def routing_data() -> tuple[list[dict], list[dict]]:
    """The 60 texts with their route: the pool to import (45) and the held-out texts (15, 5 per class)."""
    rows = [{"text": r["text"], "label": ROUTE[r["emotion"]]} for r in json.loads(EMOTIONS_60.read_text())]
    held_out = rows[::4]  # 15 texts never imported, 5 per class
    pool = [r for i, r in enumerate(rows) if i % 4]
    return pool, held_out


def routing_project(ls_client: LabelStudioClient, url: str, title: str,
                    rows: list[dict]) -> tuple[int, dict[str, str]]:
    """A routing project served by "Uncertainty sampling", the backend at `url` connected, every task predicted;
    its id and the true route of each text."""
    project = ls_client.create_project(title=unique_title(title), label_config=ROUTING_CONFIG,
                                       sampling="Uncertainty sampling", maximum_annotations=1)
    pid = project["id"]
    ls_client.import_tasks(pid, [{"text": r["text"]} for r in rows])
    connect_backend(ls_client, pid, url)
    preannotate(ls_client, pid, backend_url=url, progress=False)
    return pid, {r["text"]: r["label"] for r in rows}
