"""The JSON Schema of `labelops agreement --json`, derived from the report's dataclasses (`report`) (pure).

Each dataclass is an object under `$defs` with its fields as properties (the field's `doc` is the
description; every field is required but those left out when None, and no other property is allowed);
`int` is an integer, `float` a number, `X | None` also null, `list[X]` an array, `dict[str, X]` an
object of X (its keys from the field's `keys` where it names them), a `flatten` mapping's entries stand
in the enclosing object. docs/hooks.py writes it into docs/agreement.md; a test validates the command's
real output against it.
"""

from __future__ import annotations

import types
import typing
from dataclasses import fields, is_dataclass
from typing import Any

from sdk_scripts.agreement.report import AgreementReport

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS = {int: "integer", float: "number", str: "string", bool: "boolean", type(None): "null"}


def _describe(cls: type) -> str:
    """The first paragraph of a class docstring, on one line."""
    return " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())


def _union(members: tuple, defs: dict) -> dict:
    schemas = [_type(member, defs) for member in members]
    if all(list(s) == ["type"] for s in schemas):
        return {"type": [s["type"] for s in schemas]}
    return {"anyOf": schemas}


def _type(hint: Any, defs: dict, keys: tuple[str, ...] = ()) -> dict:
    """The schema of a type hint (see the module docstring)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return {}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    if origin in (types.UnionType, typing.Union):
        return _union(args, defs)
    if origin is list:
        return {"type": "array", "items": _type(args[0], defs)}
    if origin is dict:
        out = {"type": "object", "additionalProperties": _type(args[1], defs)}
        return {**out, "propertyNames": {"enum": list(keys)}} if keys else out
    if is_dataclass(hint):
        if hint.__name__ not in defs:
            defs[hint.__name__] = {}  # taken before its fields are read: a class may refer to itself
            defs[hint.__name__] = _object(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _object(cls: type, defs: dict) -> dict:
    """A dataclass as an object schema; a class with a `schema` of its own (its JSON is not an object) uses that."""
    if isinstance(getattr(cls, "schema", None), dict):
        return {**cls.schema, "description": _describe(cls)}
    hints = typing.get_type_hints(cls)
    properties: dict[str, dict] = {}
    required: list[str] = []
    for field in fields(cls):
        meta = field.metadata
        schema = _type(hints[field.name], defs, meta.get("keys", ()))
        if meta.get("flatten"):  # the mapping's entries are the object's own properties; the first one always
            for key in meta["keys"]:
                properties[key] = {**schema["additionalProperties"], "description": f"{meta['doc']}: {key}"}
            required.append(meta["keys"][0])
            continue
        properties[field.name] = {**schema, "description": meta["doc"]}
        if not meta.get("optional"):
            required.append(field.name)
    return {"type": "object", "description": _describe(cls), "properties": properties, "required": required,
            "additionalProperties": False}


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the agreement report's JSON (`AgreementReport.to_json()`)."""
    defs: dict[str, dict] = {}
    root = _object(AgreementReport, defs)
    return {"$schema": DIALECT, "title": "labelops agreement --json", **root, "$defs": defs}
