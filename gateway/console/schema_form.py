"""A generator's input JSON schema as an HTML form, and the form's fields back as input.

Each property becomes one field: a choice list for an enum, a checkbox for a boolean, a
number input, a one-line or a multi-line text (longer or unbounded strings), one item per
line for a list of strings, and JSON for anything else (objects, unions, lists of objects).
The generator's own validation still decides: this only shapes what a person types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aigc_core.problems import Problem

#: Strings allowed longer than this get a multi-line box.
ONE_LINE = 200


@dataclass
class FormField:
    name: str
    kind: str  # select, checkbox, number, integer, text, textarea, lines, json
    required: bool
    description: str = ""
    options: list[str] = field(default_factory=list)
    value: str = ""

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The property's own schema: references followed, ``X | None`` read as X."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _resolve({**root.get("$defs", {}).get(name, {}),
                         **{k: v for k, v in schema.items() if k != "$ref"}}, root)
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1 and len(schema.get("anyOf", [])) == 2:
        return _resolve({**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}},
                        root)
    return schema


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if "enum" in schema:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return kind
    if kind == "string":
        return "text" if schema.get("maxLength", ONE_LINE + 1) <= ONE_LINE else "textarea"
    if kind == "array" and _resolve_items(schema).get("type") == "string":
        return "lines"
    return "json"


def _resolve_items(schema: dict[str, Any]) -> dict[str, Any]:
    items = schema.get("items")
    return items if isinstance(items, dict) else {}


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "lines" and isinstance(value, list):
        return "\n".join(map(str, value))
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "checkbox":
        return "1" if value else ""
    return str(value)


def form_fields(schema: dict[str, Any], values: dict[str, str] | None = None) -> list[FormField]:
    """The form of a JSON schema, with ``values`` (a posted form) or the defaults in it."""
    required = set(schema.get("required", []))
    fields = []
    for name, raw in schema.get("properties", {}).items():
        prop = _resolve(raw, schema)
        kind = _kind(prop)
        value = (values or {}).get(name)
        fields.append(FormField(
            name=name, kind=kind, required=name in required,
            description=prop.get("description", ""),
            options=[str(option) for option in prop.get("enum", [])],
            value=value if value is not None else _shown(prop.get("default"), kind)))
    return fields


def form_input(fields: list[FormField], form: dict[str, str]) -> tuple[dict[str, Any],
                                                                    list[Problem]]:
    """The job input the form describes; problems for fields that cannot be read (the
    generator's validation finds the rest). A blank optional field is left out."""
    data: dict[str, Any] = {}
    problems = []
    for spec in fields:
        raw = form.get(spec.name, "")
        if spec.kind == "checkbox":
            data[spec.name] = raw == "1"
            continue
        if not raw.strip():
            continue
        try:
            data[spec.name] = _read(spec.kind, raw)
        except ValueError as exc:
            problems.append(Problem(field=f"input.{spec.name}", message=str(exc),
                                    code="form"))
    return data, problems


def _read(kind: str, raw: str) -> Any:
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
    if kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if kind == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON ({exc.msg}, line {exc.lineno} column "
                             f"{exc.colno})") from None
    return raw
