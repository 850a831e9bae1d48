"""The final dataset's records, one per task (pure); `sdk_scripts.formats` writes them in each export format.

Each record:

    {"task": id, "data": {...}, "state": "agreed|adjudicated|pending|quarantined",
     "final": [result regions] | null,
     "final_source": "adjudicated|majority|consensus|representative|auto" | null,
     "confidence": float, "weight": float, "agreement": float | null, "annotator_confidence": float | null,
     "auto": {"model_version", "score", "threshold", "audit", "round"} | null,
     "interpretations": [{"annotator", "annotation", "result", "summary", "confidence", "flags", "comment",
                          "excluded"}],
     "review": {"decision", "reason", "reviewer", "edge_case", "review_task"} | null}

`final` is the reviewer's result on adjudicated tasks (ground truth wins), else the consensus of the
annotators' versions computed over all the project's tasks (`final_labels.project_finals`: Dawid-Skene or
majority for choices, fused boxes and spans, medians, medoids; `final_source` says which rule decided);
null for quarantined tasks and tasks without annotations. `confidence` = agreement (1.0 when not
measurable) x the annotators' mean self-rated confidence (definitely 1.0, probably 0.7, might be 0.4; 1.0
when nobody rated), 1.0 when adjudicated. `weight` is what a trainer weighs the item by: that same
product where there is a final, 0.0 where there is none (quarantined, no annotations).

Auto-labels (`labelops autolabel`, `autolabel.marks`): a task nobody labelled whose meta carries an auto-label in
force has that label as its final, `final_source` "auto", and the model's score as its confidence and weight;
`auto` says which model version, score, threshold and audit round accepted it. Once people label the task, or a
reviewer decides its audit, their label is the final as above.

Annotators the gold policy flags (`quality.gold_eval.excluded_annotators`: gold accuracy below the minimum score
`labelops gold import --min-score` set) are left out of the consensus, its confidence and its weight; their
interpretations are still listed, with `excluded` saying why (null for everyone else).
"""

from __future__ import annotations

from sdk_scripts.autolabel.marks import AutoMark, mark_of
from sdk_scripts.labelstudio.annotations import annotator_of, flags
from sdk_scripts.labelstudio.quality_fields import COMMENT
from sdk_scripts.quality.gold_eval import excluded_annotators
from sdk_scripts.review.annotations import interpretations, rated_confidence
from sdk_scripts.review.final_labels import project_finals, summarize, task_confidence
from sdk_scripts.review.project_state import ProjectState


def _comment(annotation: dict) -> str:
    for region in annotation.get("result") or []:
        if region.get("from_name") == COMMENT:
            text = (region.get("value") or {}).get("text") or []
            return " ".join(text) if isinstance(text, list) else str(text)
    return ""


def _auto(task: dict, listed: list[dict], task_state: str) -> AutoMark | None:
    """The task's auto-label when it is its final: in force, nobody labelled the task, no review decided it."""
    mark = mark_of(task)
    if mark is None or mark.closed or listed or task_state in ("adjudicated", "quarantined"):
        return None
    return mark


def export_records(state: ProjectState, *, quorum: int | None = None, method: str = "dawid-skene") -> list[dict]:
    """One record per task (pure, from a loaded project state); `quorum` and `method` as in
    `final_labels.project_finals`."""
    records = []
    tasks = sorted(state.tasks, key=lambda t: t["id"])
    config = state.source.get("label_config")
    excluded = excluded_annotators(config, tasks)
    listed = {task["id"]: interpretations(task) for task in tasks}
    versions_of = {task_id: [a for a in given if annotator_of(a) not in excluded] for task_id, given in listed.items()}
    finals = project_finals(config, versions_of, quorum=quorum, method=method)
    for task in tasks:
        versions = versions_of[task["id"]]
        task_state = state.states[task["id"]]
        review = state.reviews.get(task["id"])
        agreement = state.scores.get(task["id"])
        confidence, rating = task_confidence(versions, agreement)
        auto = _auto(task, listed[task["id"]], task_state)
        if auto is not None:
            final, source, confidence = auto.result, "auto", auto.score
        elif task_state == "adjudicated":
            final, source, confidence = review.result, "adjudicated", 1.0
        elif task_state == "quarantined":
            final, source = None, None
        else:
            final, source = finals[task["id"]].result, finals[task["id"]].source
        records.append({
            "task": task["id"],
            "data": task["data"],
            "state": task_state,
            "final": final,
            "final_source": source,
            "confidence": round(confidence, 4),
            "weight": round(confidence, 4) if final is not None else 0.0,
            "agreement": agreement,
            "annotator_confidence": rating,
            "auto": None if auto is None else {"model_version": auto.model_version, "score": auto.score,
                                               "threshold": auto.threshold, "audit": auto.audit, "round": auto.round},
            "interpretations": [
                {
                    "annotator": state.emails.get(a.get("completed_by"), a.get("completed_by")),
                    "annotation": a["id"],
                    "result": a.get("result") or [],
                    "summary": summarize(a.get("result") or []),
                    "confidence": rated_confidence(a),
                    "flags": flags(a),
                    "comment": _comment(a),
                    "excluded": excluded.get(annotator_of(a)),
                }
                for a in listed[task["id"]]
            ],
            "review": None if review is None else {
                "decision": review.decision,
                "reason": review.reason,
                "reviewer": state.emails.get(review.reviewer, review.reviewer),
                "edge_case": review.edge_case,
                "review_task": review.review_task,
            },
        })
    return records
