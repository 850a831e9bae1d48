"""Write a project's final dataset in one format: a file (jsonl), or a directory replaced whole on a rerun."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sdk_scripts.errors import LabelopsError
from sdk_scripts.fileio import replacing_dir
from sdk_scripts.formats.base import Dataset, ExportOptions, WriteSummary
from sdk_scripts.formats.registry import writer_for
from sdk_scripts.formats.sidecar import is_export, write_manifest
from sdk_scripts.review.project_state import ProjectState


@dataclass(frozen=True)
class ExportResult:
    """Where the export went and what it holds."""

    format: str
    path: Path
    summary: WriteSummary


def dataset_of(state: ProjectState, records: list[dict]) -> Dataset:
    """The records with their project, config and snapshot id (the id `labelops dataset snapshot` gives them)."""
    from sdk_scripts.governance.snapshot import export_snapshot_id

    return Dataset(records, state.source["label_config"], export_snapshot_id(state, records), state.source.get("id"))


def export_dataset(dataset: Dataset, fmt: str, out: Path, options: ExportOptions) -> ExportResult:
    """Write `dataset` as `fmt` to `out`. A directory format builds in a temp dir beside `out` and swaps it in,
    so a rerun replaces an earlier export whole; a directory that is not one is never replaced."""
    writer = writer_for(fmt, dataset.label_config)
    if not writer.writes_dir:
        return ExportResult(fmt, out, writer.write(dataset, options, out))
    try:
        with replacing_dir(out, is_export) as building:
            summary = writer.write(dataset, options, building)
            write_manifest(building, fmt, dataset, summary, {"options": _described(options)})
    except FileExistsError:
        raise LabelopsError(f"{out} exists and is not an earlier export (no export.json from labelops): "
                            f"give an empty or new directory") from None
    return ExportResult(fmt, out, summary)


def _described(options: ExportOptions) -> dict:
    return {"split": options.ratios, "seed": options.seed, "stratify": options.stratify}
