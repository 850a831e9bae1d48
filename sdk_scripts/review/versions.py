"""What a reviewer sees of each annotator's answer: names, the side-by-side table, the predictions (pure).

Label Studio 1.23 shows a prediction only as a tab titled by its model_version (names of 15 characters or
less in full, a longer "First Last" as "First L.", anything else longer cut to "12345678...123456"), and
its labeling stream pre-fills only from the prediction whose model_version is the project's. So a review
task carries:

- `review_versions` in its data: one row per annotator (name, answer, self-rated confidence, flags,
  comment), shown by the review config's `Table` tag in the stream and the task view alike;
- one prediction per annotator whose model_version is that annotator's short name, to load as a
  starting point from the task view;
- one `consensus` prediction (the review project's model_version, so the one the stream pre-fills):
  the shared answer when every annotator gave the same labels, else empty, so that nobody's answer is
  pre-selected on a disagreement. Transcripts are the exception: where three or more annotators transcribed
  a TextArea on Audio, it holds ROVER's word-by-word vote (a text a majority supports word by word, no one
  annotator's), which the reviewer corrects instead of retyping, and of the other controls those every
  annotator answered identically.
  Its score is the task's agreement (Label Studio's "Prediction score").
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sdk_scripts.agreement.controls import read_controls
from sdk_scripts.agreement.kinds.transcripts import ROVER_MIN, Transcript
from sdk_scripts.labelstudio.annotations import choices, flags
from sdk_scripts.labelstudio.quality_fields import COMMENT, CONFIDENCE
from sdk_scripts.review.final_labels import label_regions, project_finals, summarize

CONSENSUS_VERSION = "consensus"
TAB_TITLE_LIMIT = 15  # longer model_versions are cut in Label Studio's tabs
COLUMNS = ("annotator", "answer", "self-rated confidence", "flags", "comment")


def display_name(user: Mapping) -> str:
    """"First Last (email)" when the user has a name, else the email."""
    name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    email = str(user.get("email") or f"user {user.get('id')}")
    return f"{name} ({email})" if name else email


def short_name(user: Mapping) -> str:
    """"First Last" when the user has a name, else the email's local part (what fits a prediction tab)."""
    name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    email = str(user.get("email") or f"user {user.get('id')}")
    return name or email.split("@")[0]


def version_names(annotations: list[dict], users: Mapping[int, Mapping]) -> list[str]:
    """One distinct prediction model_version per annotation: the annotator's short name, else the email.

    Two annotators with the same short name get their emails (never the name of another); one user with
    two annotations gets ` #2`, ` #3` after the second and later ones.
    """
    def user_of(annotation: dict) -> Mapping:
        who = annotation.get("completed_by")
        if not isinstance(who, int):
            return {"email": str(who)}
        return users.get(who) or {"id": who, "email": f"user {who}"}

    people = [user_of(a) for a in annotations]
    shorts = [short_name(u) for u in people]
    names = []
    for person, short in zip(people, shorts, strict=True):
        same = {str(p.get("email")) for p, s in zip(people, shorts, strict=True) if s == short}
        names.append(short if len(same) == 1 and short != CONSENSUS_VERSION else str(person.get("email")))
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


def _comment(annotation: dict) -> str:
    texts: list[str] = []
    for region in annotation.get("result") or []:
        if region.get("from_name") == COMMENT:
            text = (region.get("value") or {}).get("text") or []
            texts += text if isinstance(text, list) else [str(text)]
    return " ".join(texts)


def versions_table(annotations: list[dict], users: Mapping[int, Mapping]) -> list[dict[str, str]]:
    """The rows of the `review_versions` table, one per annotation, in the given order."""
    rows = []
    for annotation in annotations:
        who = annotation.get("completed_by")
        user = users.get(who) if isinstance(who, int) else None
        rows.append(dict(zip(COLUMNS, (
            display_name(user) if user else f"user {who}",
            summarize(annotation.get("result") or []),
            ", ".join(choices(annotation.get("result") or [], CONFIDENCE)) or "-",
            ", ".join(flags(annotation)) or "-",
            _comment(annotation) or "-",
        ), strict=True)))
    return rows


def _as_set(value: dict) -> dict:
    """A region value with its picked labels in a fixed order (ticking joy then anger = anger then joy)."""
    return {k: sorted(map(str, v)) if (k in ("choices", "labels") or k.endswith("labels")) and isinstance(v, list)
            else v for k, v in value.items()}


def _bare(region: dict) -> dict:
    """A result region as a prediction carries it: where it goes and what it says, nothing of who made it."""
    return {k: region[k] for k in ("from_name", "to_name", "type", "value") if k in region}


def unanimous_result(annotations: list[dict]) -> list[dict]:
    """The label regions every annotator gave identically (quality fields left out), else []."""
    if not annotations:
        return []

    def key(annotation: dict) -> list[tuple[str, list[str]]]:
        grouped = label_regions(annotation.get("result") or [])
        return sorted((control, sorted(json.dumps(_as_set(r.get("value") or {}), sort_keys=True) for r in regions))
                      for control, regions in grouped.items())

    first = key(annotations[0])
    if not first or any(key(a) != first for a in annotations[1:]):
        return []
    return [_bare(region) for regions in label_regions(annotations[0].get("result") or []).values()
            for region in regions]


def transcript_controls(label_config: str | None) -> set[str]:
    """The config's TextAreas on Audio (transcripts), whose review starts from the annotators' vote."""
    if not label_config:
        return set()
    return {spec.name for spec in read_controls(label_config).specs if spec.kind == Transcript.name}


def consensus_prefill(annotations: list[dict], label_config: str | None = None) -> list[dict]:
    """The consensus prediction's result (see the module docstring): the unanimous answer; else, where three or
    more annotators transcribed a TextArea on Audio, ROVER's transcript plus the other controls' unanimous parts."""
    same = unanimous_result(annotations)
    if same or not label_config or len(annotations) < ROVER_MIN:
        return same
    transcripts = transcript_controls(label_config)
    if not transcripts:
        return []
    final = project_finals(label_config, {0: annotations})[0]
    voted = {control for control, method in final.methods.items() if method == "rover" and control in transcripts}
    if not voted:
        return []
    kept = [_bare(region) for region in final.result or [] if region.get("from_name") in voted]
    others = sorted({c for a in annotations for c in label_regions(a.get("result") or [])} - voted)
    for control in others:  # a control every annotator answered identically
        kept += unanimous_result([{"result": label_regions(a.get("result") or []).get(control, [])}
                                  for a in annotations])
    return kept


def review_predictions(annotations: list[dict], users: Mapping[int, Mapping],
                       agreement: float | None, label_config: str | None = None) -> list[dict]:
    """Every annotator's answer as a prediction named after them, then the consensus one (see the docstring)."""
    predictions: list[dict] = [
        {"model_version": name, "score": None, "result": annotation.get("result") or []}
        for name, annotation in zip(version_names(annotations, users), annotations, strict=True)
    ]
    predictions.append({"model_version": CONSENSUS_VERSION, "score": agreement,
                        "result": consensus_prefill(annotations, label_config)})
    return predictions
