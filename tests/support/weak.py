"""Labeling functions the weak-supervision tests run: a Python module, YAML rules, a sentiment project's texts."""

from __future__ import annotations

from pathlib import Path

LABELS = ["positive", "neutral", "negative"]

# great / awful / meh vote on keywords; fragile raises on "crash" and says positive on "love".
FUNCTIONS_MODULE = '''
from sdk_scripts.weak import labeling_function


@labeling_function(control="sentiment")
def great(task_data):
    return "positive" if "great" in task_data["text"] else None


@labeling_function(control="sentiment")
def awful(task_data):
    return "negative" if "awful" in task_data["text"] else None


@labeling_function(control="sentiment")
def meh(task_data):
    return "neutral" if "meh" in task_data["text"] else None


@labeling_function(control="sentiment")
def fragile(task_data):
    if "crash" in task_data["text"]:
        raise RuntimeError("cannot read this one")
    return "positive" if "love" in task_data["text"] else None
'''

RULES_YAML = '''
control: sentiment
rules:
  - {name: says_great, label: positive, keywords: [great, "so good"]}
  - {name: awful_regex, label: negative, regex: "aw+ful"}
  - {name: from_support, label: negative, field: source, equals: support}
  - {name: has_email, label: neutral, pii: EMAIL}
  - {name: model_sure, model: {min_score: 0.8}}
'''

# text, data source, the label (ground truth "gt" or an annotation "ann"), or none
TASKS = [
    ("great movie", "web", ("gt", "positive")),
    ("great but awful ending", "support", ("gt", "negative")),
    ("awful, just awful", "web", ("ann", "negative")),
    ("meh", "web", ("ann", "neutral")),
    ("great, meh", "web", ("ann", "positive")),
    ("nothing to say; mail me at ann.smith@example.com", "web", ("ann", "neutral")),
    ("I love it until the crash", "web", None),
    ("love it, great", "web", None),
]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
