"""What each control class can do (serve, train, score): one table from the registry, for /health, /setup, docs."""

from __future__ import annotations

from ml_backend.controls.base import ControlModel
from ml_backend.controls.registry import REGISTRY


def capability(cls: type[ControlModel]) -> dict[str, str]:
    """One class's row: the tag it serves, what from, what training does, its task score."""
    return {"kind": cls.kind, "tag": cls.served_as, "serve": cls.serves_from, "train": cls.trains,
            "score": cls.score_definition}


def capability_table() -> list[dict[str, str]]:
    """A row per registered control class, in registry order."""
    return [capability(cls) for cls in REGISTRY]


def capability_markdown() -> str:
    """The table as Markdown (pipes in the text escaped so each row keeps four columns)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = [f"| {cell(r['tag'])} | {cell(r['serve'])} | {cell(r['train'])} | {cell(r['score'])} |"
            for r in capability_table()]
    return "\n".join(["| tag | serves from | trains | task score (lower = label sooner) |", "|---|---|---|---|",
                      *rows])
