"""What every format writer gets and gives back: the dataset, the options, the summary, and the writer's shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from sdk_scripts.formats.schema import LabelSchema

# A task's media reference and task id -> its bytes (MediaError / LabelopsError with the reason when it fails).
Fetch = Callable[[str, int], bytes]


@dataclass(frozen=True)
class Dataset:
    """The export records of one project (`review.export.export_records`) and where they came from."""

    records: list[dict]
    label_config: str
    snapshot: str | None = None  # the content id `labelops dataset snapshot` gives the same records
    project: int | None = None


@dataclass(frozen=True)
class ExportOptions:
    """How to write: the splits (`--split`, `--seed`, `--stratify`) and how to fetch task media."""

    ratios: dict[str, float] | None = None
    seed: int = 0
    stratify: bool = False
    fetch: Fetch | None = None


@dataclass(frozen=True)
class LeftOut:
    """A task that is not in the export, and why (an image that could not be fetched, no final label)."""

    task: int
    reason: str


@dataclass
class WriteSummary:
    """What a writer wrote: items per split (one split, `all`, without --split) and the tasks it left out."""

    splits: dict[str, int]
    left_out: list[LeftOut] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the main files, relative to the output path
    notes: list[str] = field(default_factory=list)  # lines the command prints after its summary

    @property
    def exported(self) -> int:
        return sum(self.splits.values())


class FormatWriter:
    """One export format. `writes_dir`: the output is a directory (replaced whole on a rerun), else a file;
    `any_config`: it holds any project's records (its config is not even parsed)."""

    name: ClassVar[str]
    description: ClassVar[str]
    writes_dir: ClassVar[bool] = True
    any_config: ClassVar[bool] = False

    @classmethod
    def fits(cls, schema: LabelSchema) -> bool:
        """Whether this format can hold the labels of a project with this labeling config."""
        raise NotImplementedError

    @classmethod
    def check_options(cls, options: ExportOptions) -> None:
        """LabelopsError for options this format cannot use (checked before anything is fetched)."""

    def write(self, dataset: Dataset, options: ExportOptions, out: Path) -> WriteSummary:
        """Write the dataset to `out` (a fresh directory, or the file path when not `writes_dir`)."""
        raise NotImplementedError
