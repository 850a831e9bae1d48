"""mkdocs hooks: pages whose reference parts are generated from the code at build time.

`<!-- generated: cli-reference -->` becomes every `labelops` command's `--help` (from the real parser)
and the older command names;
`<!-- generated: backend-settings -->` becomes the backend's settings table (from `BackendSettings`);
`<!-- generated: task-scores -->` becomes the task score of each served tag (from the control classes);
`<!-- generated: control-capabilities -->` becomes what each control class serves from, trains and scores (registry);
`<!-- generated: agreement-schema -->` becomes the fields of `labelops agreement --json` and its JSON Schema
(from the report's dataclasses, `sdk_scripts.agreement.schema`).
"""

from __future__ import annotations

import argparse
import os

MARKERS = {
    "<!-- generated: cli-reference -->": "cli_reference",
    "<!-- generated: backend-settings -->": "backend_settings",
    "<!-- generated: task-scores -->": "task_scores",
    "<!-- generated: control-capabilities -->": "control_capabilities",
    "<!-- generated: agreement-schema -->": "agreement_schema",
}


def _subcommands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, argparse.ArgumentParser]]:
    out = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub.prog.rsplit(" ", 1)[-1] != name or sub.get_default("alias_of"):  # listed under its own name
                    continue
                out += _subcommands(sub, f"{prefix} {name}")
    return out


def cli_reference() -> str:
    """Every command's --help, group by group; then the older names, each with the command it stands for."""
    from sdk_scripts.cli import build_parser
    from sdk_scripts.cli.common import older_names

    os.environ["COLUMNS"] = "100"  # argparse wraps help at the terminal width: the same on every machine
    parser = build_parser()
    sections = []
    for name, sub in _subcommands(parser, "labelops"):
        sections.append(f"### `{name}`\n\n```text\n{sub.format_help().rstrip()}\n```\n")
    sections.append("## Older names\n\nStill accepted, with the same options; `labelops --help` leaves them out of "
                    "its list.\n")
    for old, new in older_names(parser).items():
        anchor = f"labelops-{new}".replace(" ", "-")
        sections.append(f"### `labelops {old}`\n\nThe older name of [`labelops {new}`](#{anchor}).\n")
    return "\n".join(sections)


def backend_settings() -> str:
    from ml_backend.settings_doc import settings_table

    return settings_table()


def task_scores() -> str:
    """What the task score is for each served tag kind, from the control classes themselves."""
    from ml_backend.controls.registry import REGISTRY

    rows = [f"| {_cell(cls.served_as)} | {_cell(cls.score_definition)} |" for cls in REGISTRY]
    return "\n".join(["| tag | task score (lower = label sooner) |", "|---|---|", *rows])


def control_capabilities() -> str:
    """What each control class serves from, whether training learns it, and its task score (from the registry)."""
    from ml_backend.controls.capabilities import capability_markdown

    return capability_markdown()


def _cell(text: str) -> str:
    """Text for a Markdown table cell (a | would end the cell)."""
    return text.replace("|", "\\|")


def _schema_type(schema: dict) -> str:
    """A property's type in words: `integer`, `number | null`, `array of TaskScore`, `object of number`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " \\| ".join(_schema_type(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind in ("array", "object") and ("items" in schema or "additionalProperties" in schema):
        inner = _schema_type(schema.get("items", schema.get("additionalProperties")))
        return f"{kind} of " + (f"({inner})" if "|" in inner else inner)
    return " \\| ".join(kind) if isinstance(kind, list) else kind


def agreement_schema() -> str:
    """One table per object of the agreement report, then the whole JSON Schema."""
    import json

    from sdk_scripts.agreement.schema import json_schema

    schema = json_schema()
    objects = {"AgreementReport": schema, **schema["$defs"]}
    sections = []
    for name, obj in objects.items():
        sections.append(f"### {name}\n\n{obj['description']}\n")
        if "properties" not in obj:
            sections.append(f"Its JSON is a {obj['type']}.\n")
            continue
        rows = [f"| `{key}` | {_schema_type(prop)} | {'' if key in obj['required'] else '(optional) '}"
                f"{_cell(prop['description'])} |" for key, prop in obj["properties"].items()]
        sections.append("\n".join(["| field | type | meaning |", "|---|---|---|", *rows]) + "\n")
    sections.append('??? note "The JSON Schema (draft 2020-12)"\n\n    ```json\n'
                    + "\n".join("    " + line for line in json.dumps(schema, indent=2).splitlines())
                    + "\n    ```\n")
    return "\n".join(sections)


def on_page_markdown(markdown: str, **_: object) -> str:
    for marker, name in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, globals()[name]())
    return markdown
