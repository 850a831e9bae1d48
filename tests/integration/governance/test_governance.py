"""Snapshots and diffs, stratified splits, annotator bias and the HTML report, on the real Label Studio."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from tests.support.chromium import render_in_chromium
from tests.support.projects import emotion_result


def test_snapshots_diffs_splits_and_report(run_cli, ls_client, label_studio, annotated_project,
                                           tmp_path) -> None:
    project, ids, clients, annotation_ids = annotated_project
    pid = project["id"]
    first = run_cli("snapshot", pid, "--out", tmp_path / "snaps")
    assert first.code == 0, first.err
    snap_a = tmp_path / "snaps" / first.out.split("snapshot ")[1].split()[0]
    manifest = json.loads((snap_a / "manifest.json").read_text())
    assert manifest["counts"]["tasks"] == 6 and manifest["project"]["id"] == pid
    assert manifest["label_distribution"]["emotion"]["joy"] >= 2
    assert len(manifest["config_hash"]) == 16 and "mean_task_score" in manifest["agreement"]
    again = run_cli("snapshot", pid, "--out", tmp_path / "snaps")
    assert "identical snapshot already there" in again.out
    assert not (snap_a / "data.jsonl").stat().st_mode & 0o222  # read-only

    clients[2].annotations.update(annotation_ids[(4, 2)], result=emotion_result("anger"))
    second = run_cli("snapshot", pid, "--out", tmp_path / "snaps")
    snap_b = tmp_path / "snaps" / second.out.split("snapshot ")[1].split()[0]
    assert snap_b != snap_a
    diff = run_cli("diff", snap_a, snap_b)
    assert diff.code == 0, diff.err
    assert "0 tasks added, 0 removed, 1 labels changed" in diff.out
    assert f"task {ids[4]}:" in diff.out and "annotator3@labelops.test" in diff.out

    other = tmp_path / "other"
    shutil.copytree(snap_b, other)
    other_manifest = json.loads((other / "manifest.json").read_text())
    other_manifest["config_hash"] = "0" * 16
    (other / "manifest.json").chmod(0o644)
    (other / "manifest.json").write_text(json.dumps(other_manifest))
    refused = run_cli("diff", snap_a, other)
    assert refused.code == 1 and "different labeling configs" in refused.err
    (snap_b / "data.jsonl").chmod(0o644)
    (snap_b / "data.jsonl").write_text("{}\n")
    tampered = run_cli("diff", snap_a, snap_b)
    assert tampered.code == 1 and "does not match its manifest" in tampered.err

    split = run_cli("export", pid, "--out", tmp_path / "final.jsonl", "--split", "train:0.5,test:0.5", "--stratify")
    assert split.code == 0, split.err
    train = (tmp_path / "final.train.jsonl").read_text().splitlines()
    test = (tmp_path / "final.test.jsonl").read_text().splitlines()
    assert len(train) + len(test) == 6 and abs(len(train) - len(test)) <= 2
    bad_split = run_cli("export", pid, "--out", tmp_path / "x.jsonl", "--split", "train:0.7,test:0.7")
    assert bad_split.code == 1 and "sum to 1" in bad_split.err

    report = run_cli("report", pid, "--out", tmp_path / "report.html")
    assert report.code == 0, report.err
    page = (tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 5  # states, per label, per annotator, heatmap, weeks, imbalance
    dom = render_in_chromium(tmp_path / "report.html")
    assert "Quality report: " + project["title"] in dom
    assert "6 tasks, 18 annotations by 3 annotators" in dom
    assert "Mean per-task agreement" in dom and "annotator1@labelops.test" in dom
    # measures in words with their symbol, never the raw key
    assert "Krippendorff's alpha (MASI distance), α" in dom and "alpha_masi" not in dom
    # the disputed and the flagged tasks, linked to Label Studio; agreed ones (task 4 since its edit) are not
    for index in (3, 5):
        assert f'href="{label_studio.url}/projects/{pid}/data?task={ids[index]}"' in dom, index
    assert f'?task={ids[0]}"' not in dom and f'?task={ids[4]}"' not in dom
    # when, from where, and the snapshot the same data gets
    snap_now = run_cli("snapshot", pid, "--out", tmp_path / "snaps-now")  # snaps/ holds a tampered copy
    now_id = re.search(r"snapshot ([0-9a-f]{16}) at", snap_now.out).group(1)
    assert f"<code>{now_id}</code>" in dom, (now_id, snap_now.out)
    assert f"from project {pid} of Label Studio at {label_studio.url}" in dom
    screenshot = tmp_path / "report.png"
    subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / '.chromium-shot'}", f"--screenshot={screenshot}",
                    "--window-size=1200,2400", (tmp_path / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert screenshot.stat().st_size > 10_000
