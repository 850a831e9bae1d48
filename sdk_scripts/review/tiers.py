"""Review tiers: a project spec's ordered rules that send each task picked for review to a named review project (pure).

    tiers:
      - name: expert                      # required; the review project defaults to "<title> [expert]"
        project: "Emotion pilot [expert]" # optional review project title
        when: {agreement_below: 0.5}      # every condition given must hold
      - name: sensitive
        when: {label_in: [anger, fear]}   # any annotator gave one of these labels
      - name: model
        when: {model_score_below: 0.3}    # the prediction of the project's model version scored below
      - name: unclear
        when: {flag: ambiguous}           # any annotator set this flag
      - name: legal
        when: {data: {source: contracts}} # the task's data field equals the value

The first tier whose conditions all hold takes the task; a task no tier takes goes to the default review
project (`<title> [review]`). Rules are checked against the labeling config when the spec is read: a
label, flag or data field the config does not have is one error naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from label_studio_sdk.label_interface import LabelInterface

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.annotations import flags
from sdk_scripts.labelstudio.project_titles import TITLE_MAX, title_problem
from sdk_scripts.labelstudio.quality_fields import FLAG, NOT_LABELS
from sdk_scripts.review.annotations import interpretations
from sdk_scripts.review.final_labels import label_names

DEFAULT_TIER = "default"
CONDITIONS = ("agreement_below", "label_in", "model_score_below", "flag", "data")
_TIER_KEYS = {"name", "project", "when"}
Scalar = str | int | float | bool


@dataclass(frozen=True)
class Conditions:
    """What a tier asks of a task; every condition given must hold (an empty one matches nothing)."""

    agreement_below: float | None = None
    label_in: tuple[str, ...] = ()
    model_score_below: float | None = None
    flag: str | None = None
    data: tuple[tuple[str, Scalar], ...] = ()

    def describe(self) -> str:
        parts = []
        if self.agreement_below is not None:
            parts.append(f"agreement below {self.agreement_below:g}")
        if self.label_in:
            parts.append(f"label in {', '.join(self.label_in)}")
        if self.model_score_below is not None:
            parts.append(f"model score below {self.model_score_below:g}")
        if self.flag is not None:
            parts.append(f"flagged {self.flag}")
        parts += [f"data {key} = {value!r}" for key, value in self.data]
        return " and ".join(parts)


@dataclass(frozen=True)
class Tier:
    """One routing rule: its name, its review project's title and its conditions."""

    name: str
    project: str
    when: Conditions

    def describe(self) -> str:
        return f"{self.name} -> {self.project!r} when {self.when.describe()}"


@dataclass(frozen=True)
class TaskFacts:
    """What the rules look at in one source task."""

    agreement: float | None
    labels: frozenset[str] = frozenset()
    model_score: float | None = None
    flags: frozenset[str] = frozenset()
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigVocabulary:
    """The labels, flags and data fields a labeling config has: what a rule may name."""

    labels: frozenset[str]
    flags: frozenset[str]
    fields: frozenset[str]

    @classmethod
    def of(cls, label_config: str) -> ConfigVocabulary:
        interface = LabelInterface(label_config)
        labels: set[str] = set()
        flag_values: set[str] = set()
        for control in interface.controls:
            names = [str(x) for x in getattr(control, "labels", None) or []]
            if control.name == FLAG:
                flag_values.update(names)
            elif control.name not in NOT_LABELS:
                labels.update(names)
        fields = {o.value_name for o in interface.objects if o.value and o.value.startswith("$") and o.value_name}
        return cls(frozenset(labels), frozenset(flag_values), frozenset(fields))


# -- routing ----------------------------------------------------------------------------------------------------


def _data_value(data: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """(found, value) of a data field; `meta.source` reads nested objects."""
    value: Any = data
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def prediction_score(task: dict, model_version: str | None) -> float | None:
    """The score of the task's prediction of the project's model version (else of its newest prediction)."""
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    if model_version:
        current = [p for p in predictions if p.get("model_version") == model_version]
        predictions = current or predictions
    scored = [p for p in predictions if isinstance(p.get("score"), int | float) and not isinstance(p["score"], bool)]
    if not scored:
        return None
    newest = max(scored, key=lambda p: (str(p.get("created_at") or ""), p.get("id") or 0))
    return float(newest["score"])


def task_facts(task: dict, agreement: float | None, model_version: str | None = None) -> TaskFacts:
    """The facts of one source task the rules look at: agreement, labels and flags given, model score, data."""
    versions = interpretations(task)
    return TaskFacts(
        agreement=agreement,
        labels=frozenset(n for a in versions for n in label_names(a.get("result") or []) if isinstance(n, str)),
        model_score=prediction_score(task, model_version),
        flags=frozenset(f for a in versions for f in flags(a)),
        data=task.get("data") if isinstance(task.get("data"), dict) else {},
    )


def matches(when: Conditions, facts: TaskFacts) -> bool:
    """Whether every condition given holds for the task (a condition on a missing value does not)."""
    checks = []
    if when.agreement_below is not None:
        checks.append(facts.agreement is not None and facts.agreement < when.agreement_below)
    if when.label_in:
        checks.append(bool(facts.labels & set(when.label_in)))
    if when.model_score_below is not None:
        checks.append(facts.model_score is not None and facts.model_score < when.model_score_below)
    if when.flag is not None:
        checks.append(when.flag in facts.flags)
    for key, expected in when.data:
        found, value = _data_value(facts.data, key)
        checks.append(found and type(value) is type(expected) and value == expected)
    return bool(checks) and all(checks)


def route(tiers: Sequence[Tier], facts: TaskFacts) -> str:
    """The name of the first tier that takes the task, else DEFAULT_TIER."""
    return next((tier.name for tier in tiers if matches(tier.when, facts)), DEFAULT_TIER)


# -- reading the spec's `tiers:` ----------------------------------------------------------------------------------


def tier_title(source_title: str, name: str) -> str:
    """`<title> [<name>]`, the source title shortened to fit Label Studio's 50-character limit."""
    suffix = f" [{name}]"
    return f"{source_title[:max(0, TITLE_MAX - len(suffix))].rstrip()}{suffix}"


def _fraction(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise ValueError(f"{what} must be a number in [0, 1], got {value!r}")
    return float(value)


def _label_in(value: Any, vocabulary: ConfigVocabulary) -> tuple[str, ...]:
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) and not isinstance(v, bool)
                                                           for v in value):
        raise ValueError(f"label_in must be a list of label names, got {value!r}")
    for label in map(str, value):
        if label not in vocabulary.labels:
            raise ValueError(f"label_in names {label!r}, which is not a label of the config "
                             f"(labels: {', '.join(sorted(vocabulary.labels)) or 'none'})")
    return tuple(map(str, value))


def _flag(value: Any, vocabulary: ConfigVocabulary) -> str:
    if not isinstance(value, str) or value not in vocabulary.flags:
        known = ", ".join(sorted(vocabulary.flags)) or f"none: the config has no {FLAG!r} control"
        raise ValueError(f"flag names {value!r}, which is not a flag of the config (flags: {known})")
    return value


def _data(value: Any, vocabulary: ConfigVocabulary) -> tuple[tuple[str, Scalar], ...]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"data must map data fields to values, got {value!r}")
    pairs = []
    for key, expected in value.items():
        if str(key) not in vocabulary.fields:
            raise ValueError(f"data names field {str(key)!r}, which the config does not read "
                             f"(fields: {', '.join(sorted(vocabulary.fields)) or 'none'})")
        if not isinstance(expected, Scalar):
            raise ValueError(f"data field {str(key)!r} must equal a text, number or true/false, got {expected!r}")
        pairs.append((str(key), expected))
    return tuple(pairs)


def parse_conditions(when: Any, vocabulary: ConfigVocabulary) -> Conditions:
    """A tier's `when:` mapping, checked against the config (ValueError naming the problem)."""
    if not isinstance(when, dict) or not when:
        raise ValueError(f"needs 'when:' with at least one of {', '.join(CONDITIONS)}")
    unknown = sorted(str(k) for k in when if k not in CONDITIONS)
    if unknown:
        raise ValueError(f"unknown condition {unknown[0]!r} (conditions: {', '.join(CONDITIONS)})")
    return Conditions(
        agreement_below=None if "agreement_below" not in when else _fraction(when["agreement_below"],
                                                                             "agreement_below"),
        label_in=() if "label_in" not in when else _label_in(when["label_in"], vocabulary),
        model_score_below=None if "model_score_below" not in when else _fraction(when["model_score_below"],
                                                                                 "model_score_below"),
        flag=None if "flag" not in when else _flag(when["flag"], vocabulary),
        data=() if "data" not in when else _data(when["data"], vocabulary),
    )


def _tier(raw: Any, vocabulary: ConfigVocabulary, source_title: str) -> Tier:
    if not isinstance(raw, dict):
        raise ValueError(f"must be a mapping with name, when and optionally project, got {raw!r}")
    unknown = sorted(str(k) for k in raw if k not in _TIER_KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (keys: {', '.join(sorted(_TIER_KEYS))})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or name.strip() == DEFAULT_TIER or len(name.strip()) > 30:
        raise ValueError(f"needs a 'name' (short text, not {DEFAULT_TIER!r}), got {name!r}")
    project = raw.get("project", tier_title(source_title, name.strip()))
    if not isinstance(project, str) or title_problem(project.strip()):
        problem = title_problem(project.strip()) if isinstance(project, str) else "must be text"
        raise ValueError(f"project title {problem}: {project!r}")
    return Tier(name.strip(), project.strip(), parse_conditions(raw.get("when"), vocabulary))


def parse_tiers(raw: Any, label_config: str, source_title: str, default_title: str) -> tuple[Tier, ...]:
    """The spec's `tiers:` list, checked against the config; a ValueError names the tier and the problem."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"must be a list of tiers, got {type(raw).__name__}")
    vocabulary = ConfigVocabulary.of(label_config)
    tiers: list[Tier] = []
    for number, item in enumerate(raw, 1):
        label = f"tier {number}" + (f" ({item['name']!r})" if isinstance(item, dict) and "name" in item else "")
        try:
            tier = _tier(item, vocabulary, source_title)
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None
        check_distinct(tiers, tier, default_title, label)
        tiers.append(tier)
    return tuple(tiers)


def check_distinct(tiers: Sequence[Tier], tier: Tier, default_title: str, label: str) -> None:
    """A tier's name and review project are its own: not another tier's, not the default review project."""
    if any(t.name == tier.name for t in tiers):
        raise ValueError(f"{label}: the name {tier.name!r} is used by an earlier tier")
    if tier.project == default_title or any(t.project == tier.project for t in tiers):
        whose = "the default review project" if tier.project == default_title else "an earlier tier's"
        raise ValueError(f"{label}: review project {tier.project!r} is {whose}; each tier has its own")


def check_tiers_against(tiers: Sequence[Tier], default_title: str) -> None:
    """At push time: no tier may use the review project given as the default (`--review-project`)."""
    for number, tier in enumerate(tiers, 1):
        if tier.project == default_title:
            raise LabelopsError(f"tier {number} ({tier.name!r}) sends tasks to {default_title!r}, the default "
                                "review project of this push; give the default or the tier another title")


def config_problem(tiers: Sequence[Tier], label_config: str) -> str | None:
    """At push time: a label, flag or data field a rule names that the project's live config lacks, or None."""
    vocabulary = ConfigVocabulary.of(label_config)
    for number, tier in enumerate(tiers, 1):
        where = f"tier {number} ({tier.name!r})"
        missing = [label for label in tier.when.label_in if label not in vocabulary.labels]
        if missing:
            return f"{where}: label_in names {missing[0]!r}, which is not a label of the config"
        if tier.when.flag is not None and tier.when.flag not in vocabulary.flags:
            return f"{where}: flag names {tier.when.flag!r}, which is not a flag of the config"
        fields = [key for key, _ in tier.when.data if key not in vocabulary.fields]
        if fields:
            return f"{where}: data names field {fields[0]!r}, which the config does not read"
    return None
