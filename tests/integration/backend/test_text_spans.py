"""Real Label Studio + real backend: a text_ner project gets pattern spans before any annotation."""

from __future__ import annotations

import httpx
import pytest

from sdk_scripts.label_config_library import read_config, render_config
from tests.support.labelstudio import unique_title

# a feature driven through the API like the tests the PostgreSQL run keeps: nothing database-specific here
pytestmark = pytest.mark.api_feature

TEXTS = {
    "Write to jane.doe@example.com or call +44 20 7946 0958 after nine.": [
        ("EMAIL", "jane.doe@example.com"), ("PHONE", "+44 20 7946 0958")],
    "The customer was born on 23 April 1986 and pays from IBAN GB82 WEST 1234 5698 7654 32.": [
        ("DATE_OF_BIRTH", "23 April 1986"), ("IBAN", "GB82 WEST 1234 5698 7654 32")],
    "Nothing personal is written in this sentence.": [],
}


def test_text_ner_gets_pattern_spans_through_label_studio(ml_backend_server, ls_client, run_cli) -> None:
    config = render_config(read_config("text_ner"), {})
    pid = ls_client.create_project(title=unique_title("ner-patterns"), label_config=config)["id"]
    ls_client.import_tasks(pid, [{"text": text} for text in TEXTS])

    connected = run_cli("backend", "connect", pid, ml_backend_server.url, "--predict-on-load")
    assert connected.code == 0, connected.err
    setup = httpx.post(f"{ml_backend_server.url}/setup", json={"schema": config}, timeout=60).json()
    assert setup["model_version"] == "labelops-patterns"
    assert ls_client.project(pid)["model_version"] == "labelops-patterns"

    ls_client.retrieve_predictions(pid)
    texts = {t["id"]: t["data"]["text"] for t in ls_client.iter_tasks(pid)}
    predictions = ls_client.predictions(pid)
    assert sorted(p["task"] for p in predictions) == sorted(texts)
    for pred in predictions:
        text = texts[pred["task"]]
        assert pred["model_version"] == "labelops-patterns" and isinstance(pred["score"], float)
        spans = []
        for region in pred["result"]:
            value = region["value"]
            assert region["type"] == "labels" and (region["from_name"], region["to_name"]) == ("label", "text")
            assert text[value["start"]:value["end"]] == value["text"] and 0 < region["score"] <= 1
            spans.append((value["labels"][0], value["text"]))
        assert spans == TEXTS[text], text
        assert pred["score"] == (min(r["score"] for r in pred["result"]) if spans else 0.0)
