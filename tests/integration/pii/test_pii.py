"""Pseudonymised imports: nothing personal reaches the real Label Studio, the mapping stays stable."""

from __future__ import annotations

import json

from sdk_scripts.label_config_library import read_config
from tests.support.labelstudio import unique_title
from tests.support.pii import SECRET, corpus


def test_import_pseudonymised_leaves_no_personal_data_in_label_studio(run_cli, ls_client, tmp_path,
                                                                      monkeypatch) -> None:
    rows = corpus(n_per_type=6, seed=11)
    tasks_file = tmp_path / "tickets.jsonl"
    tasks_file.write_text("".join(json.dumps({"text": sentence}) + "\n" for _, _, sentence in rows))
    project = ls_client.create_project(title=unique_title("PII"), label_config=read_config("text_sentiment"))
    mapping = tmp_path / "pii.json"

    monkeypatch.delenv("LABELOPS_PII_SECRET", raising=False)
    refused = run_cli("tasks", "import", project["id"], tasks_file, "--pseudonymise", "--pii-mapping", mapping)
    assert refused.code == 1 and "LABELOPS_PII_SECRET" in refused.err
    assert list(ls_client.iter_tasks(project["id"])) == []

    monkeypatch.setenv("LABELOPS_PII_SECRET", SECRET)
    result = run_cli("tasks", "import", project["id"], tasks_file, "--pseudonymise", "--pii-mapping", mapping)
    assert result.code == 0, result.err
    assert f"{len(rows)} imported" in result.out and "6 EMAIL" in result.out and "6 IBAN" in result.out
    stored = json.dumps([t["data"] for t in ls_client.iter_tasks(project["id"])])
    leaked = [value for _, value, _ in rows if value in stored]
    assert leaked == []
    assert "<EMAIL_1>" in stored and "<CREDIT_CARD_1>" in stored
    again = run_cli("tasks", "import", project["id"], tasks_file, "--pseudonymise", "--pii-mapping", mapping)
    assert f"{len(rows)} already present, 0 imported" in again.out

    scan = run_cli("pii", "scan", tasks_file)
    assert scan.code == 0 and f"{len(rows)} tasks, {len(rows)} with personal data" in scan.out
    assert rows[0][1] not in scan.out

