"""YAML rules: labeling functions for people who do not code (keywords, regex, a field's value, PII, the model).

```yaml
control: sentiment          # the single-choice Choices control the rules label
field: text                 # the task data field rules read (default: text)
rules:
  - {name: says_great, label: positive, keywords: [great, love]}  # any whole word or phrase, any case
  - {name: shouting, label: negative, regex: "!{3,}", ignore_case: false}  # Python regex, searched
  - {name: from_complaints, label: negative, field: queue, equals: complaints}  # or `in: [a, b]`
  - {name: has_contact, label: spam, pii: [EMAIL, PHONE], min_score: 0.5}  # sdk_scripts.pii finds one of these
  - {name: model_sure, model: {min_score: 0.9, version: my-model-v3}}  # the stored prediction's label
```

A rule votes its `label` when it matches and abstains otherwise. A `model` rule reads the task's stored
predictions: the newest one of `version` (default: any version but the label model's own `lf-...`) with a choice
for the control votes that choice when its score is at least `min_score` (a `label` limits it to that one).
Every problem in the file is one LabelopsError listing them all, before any task is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak.functions import LabelingFunction
from sdk_scripts.weak.gold import choice_of

KINDS = ("keywords", "regex", "equals", "in", "pii", "model")
RULE_KEYS = frozenset({"name", "label", "field", "ignore_case", "min_score", *KINDS})
TOP_KEYS = frozenset({"control", "field", "rules"})
DEFAULT_FIELD = "text"
LF_PREFIX = "lf-"  # the label model's own predictions (`model_version` lf-<hash>), which a model rule never reads


def _text(task: dict, field: str) -> str | None:
    value = (task.get("data") or {}).get(field)
    return value if isinstance(value, str) else None


def _keywords(words: list[str], field: str, label: str, _: dict) -> Callable[[dict], Any]:
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)
    return lambda task: label if (t := _text(task, field)) is not None and pattern.search(t) else None


def _regex(expression: str, field: str, label: str, rule: dict) -> Callable[[dict], Any]:
    pattern = re.compile(expression, re.IGNORECASE if rule.get("ignore_case") else 0)
    return lambda task: label if (t := _text(task, field)) is not None and pattern.search(t) else None


def _same(value: Any, wanted: Any) -> bool:
    return value == wanted or (value is not None and not isinstance(value, dict | list) and str(value) == str(wanted))


def _equals(wanted: Any, field: str, label: str, _: dict) -> Callable[[dict], Any]:
    return lambda task: label if _same((task.get("data") or {}).get(field), wanted) else None


def _in(wanted: list, field: str, label: str, _: dict) -> Callable[[dict], Any]:
    return lambda task: label if any(_same((task.get("data") or {}).get(field), w) for w in wanted) else None


def _pii(entities: list[str], field: str, label: str, rule: dict) -> Callable[[dict], Any]:
    from sdk_scripts.pii.detect import find_pii

    wanted, min_score = set(entities), float(rule.get("min_score", 0.5))

    def vote(task: dict) -> Any:
        text = _text(task, field)
        return label if text and any(f.entity in wanted for f in find_pii(text, min_score=min_score)) else None

    return vote


def model_choice(task: dict, control: str, version: str | None, min_score: float) -> str | None:
    """The choice of the task's newest stored prediction of `version` (any but lf-... when None) for `control`,
    when its score is at least `min_score`; else None."""
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)
                   and (str(p.get("model_version") or "") == version if version
                        else not str(p.get("model_version") or "").startswith(LF_PREFIX))]
    for prediction in sorted(predictions, key=lambda p: -(p.get("id") or 0)):
        label = choice_of(prediction.get("result") or [], control)
        if label is not None:
            score = prediction.get("score")
            return label if isinstance(score, int | float) and score >= min_score else None
    return None


def _model(options: dict, control: str, label: str | None) -> Callable[[dict], Any]:
    version, min_score = options.get("version"), float(options.get("min_score", 0.5))

    def vote(task: dict) -> Any:
        found = model_choice(task, control, version, min_score)
        return found if label is None or found == label else None

    return vote


BUILDERS = {"keywords": _keywords, "regex": _regex, "equals": _equals, "in": _in, "pii": _pii}


def _score_problem(value: Any, what: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return f"{what} must be a number in [0, 1], not {value!r}"
    return None


def _kind_problem(kind: str, value: Any, rule: dict) -> str | None:
    """What is wrong with a rule's matcher `kind: value`, or None."""
    if kind == "keywords":
        ok = isinstance(value, list) and value and all(isinstance(w, str) and w.strip() for w in value)
        return None if ok else "keywords must be a list of words or phrases"
    if kind == "regex":
        if not isinstance(value, str) or not value:
            return "regex must be a string"
        try:
            re.compile(value)
        except re.error as exc:
            return f"regex {value!r} does not compile ({exc})"
        return None
    if kind == "in":
        return None if isinstance(value, list) and value else "in must be a list of values"
    if kind == "pii":
        return _pii_problem(value, rule)
    if kind == "model":
        if not isinstance(value, dict) or set(value) - {"min_score", "version"}:
            return "model takes {min_score: 0..1, version: NAME}"
        return _score_problem(value.get("min_score", 0.5), "model.min_score")
    return None  # equals: any scalar


def _pii_problem(value: Any, rule: dict) -> str | None:
    from sdk_scripts.pii.detect import PATTERN_TYPES

    entities = [value] if isinstance(value, str) else value
    if not isinstance(entities, list) or not entities or not all(e in PATTERN_TYPES for e in entities):
        return f"pii must name entity types among {', '.join(PATTERN_TYPES)}"
    return _score_problem(rule.get("min_score", 0.5), "min_score") if "min_score" in rule else None


def _rule_problems(rule: Any) -> list[str]:
    if not isinstance(rule, dict):
        return ["is not a mapping"]
    problems = [f"unknown key {k!r}" for k in rule if k not in RULE_KEYS]
    name = rule.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("needs a name")
    kinds = [k for k in KINDS if k in rule]
    if len(kinds) != 1:
        problems.append(f"needs exactly one of {', '.join(KINDS)} (has {', '.join(kinds) or 'none'})")
    elif (problem := _kind_problem(kinds[0], rule[kinds[0]], rule)) is not None:
        problems.append(problem)
    if "label" in rule and (not isinstance(rule["label"], str) or not rule["label"]):
        problems.append("label must be a string")
    if "label" not in rule and kinds != ["model"]:
        problems.append("needs the label it votes")
    if "field" in rule and (not isinstance(rule["field"], str) or not rule["field"]):
        problems.append("field must be a data field name")
    return problems


def _problems(doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return ["the file is not a mapping with control and rules"]
    problems = [f"unknown top-level key {k!r}" for k in doc if k not in TOP_KEYS]
    if not isinstance(doc.get("control"), str) or not doc.get("control"):
        problems.append("control: the name of the Choices control the rules label is missing")
    if "field" in doc and (not isinstance(doc["field"], str) or not doc["field"]):
        problems.append("field must be a data field name")
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules:
        return problems + ["rules: a list of at least one rule is missing"]
    seen: set[str] = set()
    for number, rule in enumerate(rules, 1):
        where = f"rule {number}" + (f" ({rule['name']})" if isinstance(rule, dict) and rule.get("name") else "")
        problems += [f"{where}: {p}" for p in _rule_problems(rule)]
        name = rule.get("name") if isinstance(rule, dict) else None
        if isinstance(name, str) and name in seen:
            problems.append(f"{where}: the name {name!r} is used twice")
        seen.add(name)
    return problems


def _function(rule: dict, control: str, field: str) -> LabelingFunction:
    label = rule.get("label")
    kind = next(k for k in KINDS if k in rule)
    if kind == "model":
        vote = _model(rule["model"], control, label)
    else:
        value = [rule[kind]] if kind == "pii" and isinstance(rule[kind], str) else rule[kind]
        vote = BUILDERS[kind](value, rule.get("field", field), label, rule)
    return LabelingFunction(rule["name"], control, vote, whole_task=True, labels=(label,) if label else None)


def rules_from_yaml(text: str, path: Path) -> list[LabelingFunction]:
    """The labeling functions of a YAML rules file (see the module docstring)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise LabelopsError(f"{path}: not valid YAML{where}") from exc
    problems = _problems(doc)
    if problems:
        raise LabelopsError(f"{path}: {len(problems)} problem{'s' * (len(problems) > 1)} in the rules: "
                            + "; ".join(problems))
    if any("pii" in rule for rule in doc["rules"]):
        from sdk_scripts.extras import install_hint, missing_modules

        missing = missing_modules("pii")
        if missing:
            raise LabelopsError(install_hint("pii", missing, f"{path}: a pii rule"))
    field = doc.get("field", DEFAULT_FIELD)
    return [_function(rule, doc["control"], field) for rule in doc["rules"]]
