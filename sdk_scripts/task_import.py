"""`labelops tasks import PROJECT FILE`: add a file's tasks to a project, never twice.

The whole file is parsed and checked against the project's labeling config first (fields and
their types, see `task_schema`): a broken line anywhere stops the import before anything is sent.
Tasks whose stable key (see `task_files`) is already in the project are skipped, so re-running the
same import, or resuming one that was cut off between batches, adds exactly the missing tasks. The keys
already there come from a local index checked against Label Studio (`task_keys`), or from listing the tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.task_files import file_kind, read_task_file
from sdk_scripts.task_keys import index_path, known_keys, save_index
from sdk_scripts.task_schema import config_data_fields

if TYPE_CHECKING:  # the [pii] extra: needed only when the caller pseudonymises
    from sdk_scripts.pii.pseudonymise import Pseudonymiser


@dataclass
class ImportReport:
    """Counts of one import run."""

    project_id: int
    in_file: int
    already_present: int
    imported: int
    pii: dict[str, int] = field(default_factory=dict)
    task_ids: list[int] = field(default_factory=list)
    keys_from: str = ""  # how the keys already there were found: "empty", "index" or "listing" (task_keys)


def import_task_file(
    client: LabelStudioClient,
    project_ref: str | int,
    path: Path,
    *,
    key_field: str | None = None,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
    pseudonymiser_for: Callable[[dict], Pseudonymiser] | None = None,
) -> ImportReport:
    """Import a task file; with `pseudonymiser_for(project)`, personal data is replaced before sending."""
    if batch_size < 1:
        raise LabelopsError(f"the batch size must be at least 1, got {batch_size}")
    file_kind(path)  # an unknown file type is reported before any request
    project = client.project(project_ref)
    pseudonymiser = pseudonymiser_for(project) if pseudonymiser_for else None
    records = read_task_file(path, fields=config_data_fields(project["label_config"]), key_field=key_field,
                             transform=pseudonymiser.data if pseudonymiser else None)
    if pseudonymiser is not None:
        pseudonymiser.save()  # before anything is sent: every token in Label Studio stays reversible
    index_file = index_path(client.url, project["id"])
    known = known_keys(client, project, index_file)
    new = [r for r in records if r.key not in known.index.keys]
    report = ImportReport(project["id"], len(records), len(records) - len(new), 0,
                          pii=dict(pseudonymiser.counts) if pseudonymiser else {}, keys_from=known.how)
    try:
        for start in range(0, len(new), batch_size):
            batch = new[start : start + batch_size]
            try:
                ids = client.import_tasks(project["id"], [r.payload for r in batch])
            except LabelopsError as exc:  # say which records, and that a rerun picks up where this stopped
                done = f"; the {report.imported} tasks before them were imported" if report.imported else ""
                raise LabelopsError(f"{exc} (tasks {batch[0].location} to {batch[-1].location}{done}; rerunning "
                                    "the import adds only the missing tasks)") from None
            known.index.add_imported([r.key for r in batch], ids)
            report.task_ids += ids
            report.imported += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
    finally:  # what was imported before a failure is in the index too; a batch cut off in flight is found by id
        save_index(index_file, known.index)
    return report
