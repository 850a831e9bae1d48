"""Review tiers without a server: reading `tiers:` against the config, and routing a task to the first matching tier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sdk_scripts.errors import LabelopsError
from sdk_scripts.label_config_library import read_config, render_config
from sdk_scripts.project_spec import load_spec
from sdk_scripts.review.placement import TierPush, decided_sources, place, review_key
from sdk_scripts.review.review_project import LINK_FIELD
from sdk_scripts.review.selection import ReviewPick
from sdk_scripts.review.tiers import (
    DEFAULT_TIER,
    Conditions,
    TaskFacts,
    check_tiers_against,
    config_problem,
    matches,
    parse_tiers,
    route,
    task_facts,
    tier_title,
)

CONFIG = render_config(read_config("text_emotion"), {"emotion": ["joy", "anger", "sadness"]})
TIERS = [
    {"name": "expert", "project": "Pilot experts", "when": {"agreement_below": 0.5}},
    {"name": "sensitive", "when": {"label_in": ["anger"]}},
    {"name": "model", "when": {"model_score_below": 0.3}},
    {"name": "unclear", "when": {"flag": "ambiguous"}},
    {"name": "vip", "when": {"data": {"text": "from the CEO"}}},
]


def parsed(raw=None):
    return parse_tiers(TIERS if raw is None else raw, CONFIG, "Pilot", "Pilot [review]")


def choice(name: str, *values: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def test_rules_are_read_in_order_with_their_review_projects() -> None:
    tiers = parsed()
    assert [t.name for t in tiers] == ["expert", "sensitive", "model", "unclear", "vip"]
    assert [t.project for t in tiers][:2] == ["Pilot experts", "Pilot [sensitive]"]
    assert tiers[0].when == Conditions(agreement_below=0.5)
    assert tiers[4].when.data == (("text", "from the CEO"),)
    assert tier_title("x" * 60, "expert") == "x" * 41 + " [expert]"


def test_the_first_matching_tier_takes_the_task_and_unmatched_ones_go_to_the_default() -> None:
    tiers = parsed()
    assert route(tiers, TaskFacts(agreement=0.2, labels=frozenset({"anger"}))) == "expert"
    assert route(tiers, TaskFacts(agreement=0.6, labels=frozenset({"anger"}))) == "sensitive"
    assert route(tiers, TaskFacts(agreement=0.6, model_score=0.1)) == "model"
    assert route(tiers, TaskFacts(agreement=None, flags=frozenset({"ambiguous"}))) == "unclear"
    assert route(tiers, TaskFacts(agreement=0.6, data={"text": "from the CEO"})) == "vip"
    assert route(tiers, TaskFacts(agreement=0.6, labels=frozenset({"joy"}), model_score=0.9)) == DEFAULT_TIER
    assert route((), TaskFacts(agreement=0.0)) == DEFAULT_TIER


def test_every_condition_of_a_rule_must_hold_and_a_missing_value_matches_nothing() -> None:
    both = Conditions(agreement_below=0.5, label_in=("anger",))
    assert matches(both, TaskFacts(agreement=0.2, labels=frozenset({"anger"})))
    assert not matches(both, TaskFacts(agreement=0.2, labels=frozenset({"joy"})))
    assert not matches(Conditions(agreement_below=0.5), TaskFacts(agreement=None))
    assert not matches(Conditions(model_score_below=0.5), TaskFacts(agreement=0.1))
    assert not matches(Conditions(data=(("n", 1),)), TaskFacts(agreement=0.1, data={"n": "1"}))  # types differ
    nested = TaskFacts(agreement=0.1, data={"meta": {"source": "web"}})
    assert matches(Conditions(data=(("meta.source", "web"),)), nested)
    assert not matches(Conditions(), TaskFacts(agreement=0.0))


def test_task_facts_read_labels_flags_and_the_current_models_score() -> None:
    annotations = [{"id": 1, "completed_by": 1, "result": [choice("emotion", "anger"), choice("flag", "ambiguous")]},
                   {"id": 2, "completed_by": 2, "result": [choice("emotion", "joy")], "ground_truth": True}]
    predictions = [{"id": 5, "model_version": "v1", "score": 0.2, "created_at": "2026-01-01"},
                   {"id": 6, "model_version": "v2", "score": 0.8, "created_at": "2026-01-02"}]
    facts = task_facts({"id": 1, "data": {"text": "hi"}, "annotations": annotations, "predictions": predictions},
                       0.4, "v1")
    assert facts.labels == {"anger"} and facts.flags == {"ambiguous"}  # ground truth is no annotator's answer
    assert facts.model_score == 0.2 and facts.agreement == 0.4
    assert task_facts({"id": 1, "predictions": predictions}, None, None).model_score == 0.8  # the newest


@pytest.mark.parametrize(("when", "message"), [
    ({"agreement_below": 1.5}, "agreement_below must be a number in [0, 1], got 1.5"),
    ({"model_score_below": -0.1}, "model_score_below must be a number in [0, 1]"),
    ({"label_in": ["angr"]}, "label_in names 'angr', which is not a label of the config (labels: anger, joy, "),
    ({"flag": "urgent"}, "flag names 'urgent', which is not a flag of the config (flags: ambiguous, out of scope)"),
    ({"data": {"lang": "en"}}, "data names field 'lang', which the config does not read (fields: text)"),
    ({"colour": "red"}, "unknown condition 'colour'"),
    ({}, "needs 'when:' with at least one of"),
])
def test_a_rule_naming_what_the_config_lacks_is_one_error_naming_it(when, message) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(f"tier 1 ('bad'): {message}")):
        parsed([{"name": "bad", "when": when}])


def test_names_and_review_projects_are_each_tiers_own() -> None:
    with pytest.raises(ValueError, match="tier 2 \\('expert'\\): the name 'expert' is used by an earlier tier"):
        parsed([TIERS[0], {"name": "expert", "project": "Other", "when": {"flag": "ambiguous"}}])
    with pytest.raises(ValueError, match="review project 'Pilot \\[review\\]' is the default review project"):
        parsed([{"name": "x", "project": "Pilot [review]", "when": {"flag": "ambiguous"}}])
    with pytest.raises(ValueError, match="needs a 'name'"):
        parsed([{"name": "default", "when": {"flag": "ambiguous"}}])
    with pytest.raises(LabelopsError, match="sends tasks to 'Pilot experts', the default review project of this push"):
        check_tiers_against(parsed(), "Pilot experts")


def test_the_live_config_is_checked_again_at_push_time() -> None:
    narrower = render_config(read_config("text_emotion"), {"emotion": ["joy", "sadness"]})
    assert config_problem(parsed(), CONFIG) is None
    assert config_problem(parsed(), narrower) == (
        "tier 2 ('sensitive'): label_in names 'anger', which is not a label of the config")


def test_the_spec_file_reports_a_bad_rule_as_one_line_naming_the_file(tmp_path: Path) -> None:
    spec = {"title": "Pilot", "config": "text_emotion", "labels": {"emotion": ["joy", "anger"]},
            "annotators_per_task": 3, "tiers": TIERS[:2]}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert [t.name for t in load_spec(path).tiers] == ["expert", "sensitive"]
    spec["tiers"] = [{"name": "sensitive", "when": {"label_in": ["fear"]}}]
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(LabelopsError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(f"{path}: field 'tiers': tier 1 ('sensitive'): label_in names 'fear'")
    assert "\n" not in str(caught.value)


def test_a_reviewed_task_stays_in_its_tier_and_an_unreviewed_one_follows_the_rules() -> None:
    def copy(id_: int, source: int, reviewed: bool = False) -> dict:
        return {"id": id_, "data": {"labelops_key": review_key(7, source), LINK_FIELD: {"source_task": source}},
                "annotations": [{"id": 1}] if reviewed else []}

    default = TierPush("default", {"id": 1}, "", {review_key(7, 10): copy(100, 10), review_key(7, 11): copy(101, 11)})
    expert = TierPush("expert", {"id": 2}, "agreement below 0.5", {review_key(7, 11): copy(200, 11, reviewed=True)})
    picks = [ReviewPick(i, 0.1, ("low agreement",)) for i in (10, 11, 12)]
    placed = place(picks, {10: "expert", 11: "default", 12: "expert"}, [default, expert], 7)
    assert placed[10] == (expert, [(default, default.existing[review_key(7, 10)])])  # moves; the old copy goes
    assert placed[11] == (expert, [(default, default.existing[review_key(7, 11)])])  # reviewed in expert: stays
    assert placed[12] == (expert, [])
    assert decided_sources([{"id": 10, "annotations": [{"id": 5, "ground_truth": True, "result": []}]}],
                           [default, expert]) == {10, 11}
