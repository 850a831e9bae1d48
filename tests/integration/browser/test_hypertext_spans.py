"""HyperText spans as stock Label Studio 1.23's own UI writes them, scored by `labelops agreement` (real browser).

Two annotators log in, pick an entity label and drag over words of an HTML page shown by the HyperText tag (in
its iframe, Label Studio's default), then submit. Label Studio stores XPaths, offsets inside those nodes and
`globalOffsets`; the agreement report must compare the two annotators on them. What Label Studio stored is
written to test-results/browser/hypertext-results.json: tests/fixtures/hypertext_annotations.json was copied
from such a run, and this test checks that the fixture still has the shape the UI writes.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from sdk_scripts.agreement.engine import agreement_report
from tests.support.labelstudio import unique_title
from tests.support.lsui import SHOTS, close_instructions, label_all_tasks, submit
from tests.support.paths import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "hypertext_annotations.json"
CONFIG = ('<View><HyperTextLabels name="ner" toName="page"><Label value="PER"/><Label value="ORG"/></HyperTextLabels>'
          '<HyperText name="page" value="$html"/></View>')
HTML = ("<div><h2>Staff news</h2><p>Ada Lovelace joined <b>Analytical Engines Ltd</b> in London.</p>"
        "<p>Charles Babbage leads it.</p></div>")


def drag_over(page: Page, words: str) -> None:
    """Press the mouse before `words` in the HyperText's iframe and release it after them, as a person selects."""
    frame = page.frame_locator("iframe").first
    frame.locator("body").wait_for()
    box = frame.locator("body").evaluate(
        """(body, words) => {
             const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
             for (let node = walker.nextNode(); node; node = walker.nextNode()) {
               const at = node.textContent.indexOf(words);
               if (at < 0) continue;
               const range = document.createRange();
               range.setStart(node, at);
               range.setEnd(node, at + words.length);
               const r = range.getBoundingClientRect();
               return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
             }
             return null;
           }""", words)
    assert box, f"{words!r} is not in the HyperText"
    frame_box = page.locator("iframe").first.bounding_box()
    y = frame_box["y"] + (box["top"] + box["bottom"]) / 2
    page.mouse.move(frame_box["x"] + box["left"] + 1, y)
    page.mouse.down()
    page.mouse.move(frame_box["x"] + (box["left"] + box["right"]) / 2, y, steps=4)
    page.mouse.move(frame_box["x"] + box["right"] - 1, y, steps=4)
    page.mouse.up()


def label_spans(page: Page, spans: list[tuple[str, str]]) -> None:
    for label, words in spans:
        page.locator(".lsf-label", has_text=re.compile(rf"^\s*{label}\s*\d*\s*$")).first.click()
        drag_over(page, words)
        expect(page.locator(".lsf-entity, .lsf-region-item, [class*='region']").first).to_be_attached()


def test_hypertext_spans_from_the_ui_are_scored(label_studio, ls_client, annotators, logged_in, shot) -> None:
    project = ls_client.create_project(title=unique_title("HyperText spans"), label_config=CONFIG,
                                       maximum_annotations=2, overlap_cohort_percentage=100)
    ls_client.import_tasks(project["id"], [{"html": HTML}])
    answers = {0: [("PER", "Ada Lovelace"), ("ORG", "Analytical Engines Ltd")],
               1: [("PER", "Ada Lovelace"), ("ORG", "Engines Ltd"), ("PER", "Charles Babbage")]}
    stored = {}
    for who, spans in answers.items():
        page = logged_in(annotators[who].email, annotators[who].password)
        task_id = label_all_tasks(page, label_studio.url, project["id"])
        close_instructions(page, timeout=1_000)
        label_spans(page, spans)
        shot(page, f"hypertext-annotator-{who + 1}")
        stored[who] = submit(page, task_id)["result"]
    task = next(ls_client.iter_tasks(project["id"]))
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "hypertext-results.json").write_text(json.dumps(
        {"html": HTML, "config": CONFIG, "annotations": task["annotations"]}, indent=2))
    regions = [r for result in stored.values() for r in result]
    assert all(r["type"] == "hypertextlabels" for r in regions), regions
    for region in regions:  # the shape the fixture has: XPaths, offsets in them, offsets in the whole text
        value = region["value"]
        assert isinstance(value["start"], str) and isinstance(value["end"], str), value
        assert {"startOffset", "endOffset", "globalOffsets", "hypertextlabels"} <= value.keys(), value
    fixture = json.loads(FIXTURE.read_text())
    assert {k for r in regions for k in r["value"]} == {k for a in fixture["annotations"] for r in a["result"]
                                                        for k in r["value"]}

    report = agreement_report(CONFIG, [task])
    [control] = report["controls"]
    assert control["tag"] == "HyperTextLabels" and control["tasks_scored"] == 1, report
    # matched by overlap: PER-PER and ORG-ORG ("Engines Ltd" inside "Analytical Engines Ltd"); Babbage unmatched
    assert control["measures"]["mean_pairwise_f1"] == pytest.approx(2 * 2 / (2 + 3))
    assert control["measures"]["mean_pairwise_f1_exact"] == pytest.approx(2 * 1 / (2 + 3))
    assert not [p for p in report["problems"] if "ner" in p], report["problems"]
    ls_client.delete_project(project["id"])
