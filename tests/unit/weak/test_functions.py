"""Labeling functions from a Python module and from YAML rules: what each rule kind votes, and every file that cannot
be used refused in one error line naming the problem."""

from __future__ import annotations

import pytest

from sdk_scripts.errors import LabelopsError
from sdk_scripts.weak import labeling_function
from sdk_scripts.weak.functions import LabelingFunction
from sdk_scripts.weak.loading import load_functions
from tests.support.weak import FUNCTIONS_MODULE, RULES_YAML, write


def test_the_decorator_makes_a_named_function_of_the_control() -> None:
    @labeling_function(control="sentiment")
    def says_hi(task_data):
        return "positive" if "hi" in task_data["text"] else None

    assert isinstance(says_hi, LabelingFunction) and (says_hi.name, says_hi.control) == ("says_hi", "sentiment")
    assert says_hi({"text": "hi"}) == "positive" and says_hi.vote({"id": 1, "data": {"text": "no"}}) is None
    renamed = labeling_function(control="sentiment", name="other", whole_task=True)(lambda task: task["id"])
    assert renamed.name == "other" and renamed.vote({"id": 3, "data": {}}) == 3
    with pytest.raises(TypeError, match="needs the name of a control"):
        labeling_function(control="")


def test_a_module_gives_its_functions_in_order_with_the_hash_of_the_file(tmp_path) -> None:
    path = write(tmp_path, "lfs.py", FUNCTIONS_MODULE)
    found = load_functions(path)
    assert found.names == ["great", "awful", "meh", "fragile"] and found.control == "sentiment"
    assert len(found.hash) == 12 and not found.whole_task
    assert load_functions(path).hash == found.hash
    write(tmp_path, "lfs.py", FUNCTIONS_MODULE + "\n# a comment\n")
    assert load_functions(path).hash != found.hash


def test_a_module_may_import_a_helper_beside_it(tmp_path) -> None:
    write(tmp_path, "lf_helpers_beside.py", "WORDS = ('great',)\n")
    path = write(tmp_path, "lfs.py", "from lf_helpers_beside import WORDS\nfrom sdk_scripts.weak import "
                 "labeling_function\n\n@labeling_function(control='c')\ndef f(d):\n    return 'a' if any(w in d['t'] "
                 "for w in WORDS) else None\n")
    assert load_functions(path).functions[0]({"t": "great"}) == "a"


def test_yaml_rules_vote_as_written() -> None:
    from pathlib import Path

    from sdk_scripts.weak.rules import rules_from_yaml

    rules = {f.name: f for f in rules_from_yaml(RULES_YAML, Path("rules.yaml"))}
    assert list(rules) == ["says_great", "awful_regex", "from_support", "has_email", "model_sure"]
    assert all(f.whole_task and f.control == "sentiment" for f in rules.values())
    assert rules["says_great"].labels == ("positive",) and rules["model_sure"].labels is None

    def vote(name, text="", source="web", predictions=()):
        return rules[name].vote({"id": 1, "data": {"text": text, "source": source}, "predictions": list(predictions)})

    assert vote("says_great", "A GREAT day") == "positive" and vote("says_great", "greatest") is None
    assert vote("says_great", "it was so  good") is None and vote("says_great", "so good!") == "positive"
    assert vote("awful_regex", "awwwful") == "negative" and vote("awful_regex", "AWFUL") is None
    assert vote("from_support", source="support") == "negative" and vote("from_support") is None
    assert vote("has_email", "write to ann.smith@example.com") == "neutral" and vote("has_email", "no mail") is None

    def prediction(pid, version, score, label):
        return {"id": pid, "model_version": version, "score": score,
                "result": [{"from_name": "sentiment", "value": {"choices": [label]}}]}

    assert vote("model_sure", predictions=[prediction(1, "m", 0.9, "negative")]) == "negative"
    assert vote("model_sure", predictions=[prediction(1, "m", 0.7, "negative")]) is None
    # the newest prediction counts; the label model's own (lf-...) never does
    assert vote("model_sure", predictions=[prediction(1, "m", 0.9, "negative"),
                                           prediction(2, "m", 0.95, "neutral")]) == "neutral"
    assert vote("model_sure", predictions=[prediction(3, "lf-0123", 0.99, "positive")]) is None
    assert vote("model_sure", predictions=[prediction(3, "m", None, "positive")]) is None


@pytest.mark.parametrize(("name", "text", "message"), [
    ("lfs.txt", "", "labeling functions come in a Python module (.py) or YAML rules (.yaml, .yml)"),
    ("lfs.py", "x = 1\n", "defines no labeling function (decorate them with @labeling_function"),
    ("lfs.py", "import no_such_module_here\n", "importing it failed (line"),
    ("lfs.py", "def broken(:\n", "importing it failed (line 1): SyntaxError"),
    ("lfs.py", "from sdk_scripts.weak import labeling_function as lf\nf = lf(control='a')(lambda d: None)\n"
     "g = lf(control='a', name='<lambda>')(lambda d: None)\n", "several labeling functions are named '<lambda>'"),
    ("lfs.py", "from sdk_scripts.weak import labeling_function as lf\nf = lf(control='a', name='f')(len)\n"
     "g = lf(control='b', name='g')(len)\n", "the functions label several controls (a, b); a label matrix"),
    ("r.yaml", "control: [unclosed", "not valid YAML (line"),
    ("r.yaml", "- a list\n", "the file is not a mapping with control and rules"),
    ("r.yaml", "rules: []\nextra: 1\n", "3 problems in the rules: unknown top-level key 'extra'; control: the name"),
    ("r.yaml", "control: c\nrules:\n  - {name: a, label: x, keywords: [k], regex: r}\n",
     "rule 1 (a): needs exactly one of keywords, regex, equals, in, pii, model (has keywords, regex)"),
    ("r.yaml", "control: c\nrules:\n  - {name: a, label: x, regex: '('}\n", "rule 1 (a): regex '(' does not compile"),
    ("r.yaml", "control: c\nrules:\n  - {name: a, keywords: [k]}\n  - {name: a, label: x, in: y}\n",
     "rule 1 (a): needs the label it votes; rule 2 (a): in must be a list of values; rule 2 (a): the name 'a' is used "
     "twice"),
    ("r.yaml", "control: c\nrules:\n  - {name: a, label: x, pii: [NAME]}\n", "pii must name entity types among EMAIL"),
    ("r.yaml", "control: c\nrules:\n  - {name: a, model: {min_score: 2}}\n",
     "model.min_score must be a number in [0, 1], not 2"),
    ("r.yaml", "control: c\nrules:\n  - {name: a, label: x, equals: 1, colour: red}\n", "unknown key 'colour'"),
])
def test_a_file_that_cannot_be_used_is_one_error(tmp_path, name, text, message) -> None:
    with pytest.raises(LabelopsError) as raised:
        load_functions(write(tmp_path, name, text))
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_missing_file_is_one_error(tmp_path) -> None:
    with pytest.raises(LabelopsError, match="cannot read .*nothing.py"):
        load_functions(tmp_path / "nothing.py")
