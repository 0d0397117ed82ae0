"""Showing a result to a person, or in a file format a generator exports."""

from __future__ import annotations

import json

import click

from ..errors import AigcError
from ..generator import RegisteredGenerator
from ..jobs import Result


def export(result: Result, registered: RegisteredGenerator, fmt: str, data) -> str:
    generator = registered.generator
    if fmt == "json":
        return result.model_dump_json(indent=2)
    if fmt == "text" and "text" not in generator.exporters:
        if result.output is None:
            return result.text or ""
        return _with_label(json.dumps(result.output, indent=2, ensure_ascii=False), result)
    exporter = generator.exporters.get(fmt)
    if exporter is None:
        known = ", ".join(["text", "json", *sorted(generator.exporters)])
        raise AigcError(f"{generator.name} cannot export {fmt!r}; formats: {known}")
    output: object = result.text
    if generator.output_model is not None:
        output = generator.output_model.model_validate(result.output)
    return exporter(output, data, result)


def _with_label(text: str, result: Result) -> str:
    """Show a structured output's explicit AI label (kept in metadata so the output still
    matches its schema) where the label says it goes."""
    label = result.metadata.get("ai_label", {}).get("explicit")
    if not label or label.get("embedded"):
        return text
    if label.get("position") == "end":
        return f"{text}\n{label['text']}"
    return f"{label['text']}\n{text}"


def report_failure(result: Result) -> None:
    error = result.error
    click.echo(f"failed ({error.kind if error else 'unknown'}): "
               f"{error.message if error else ''}", err=True)
    for problem in result.problems:
        click.echo(f"  - {problem}", err=True)
