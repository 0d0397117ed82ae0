"""Showing a result: one renderer for every command that prints one (``aigc generate``,
``aigc submit --wait``, ``aigc result``), so that an output reads the same, AI label included,
however its job ran.

Formats: ``text`` (the default: the output as a person reads it), ``json`` (the whole result,
with provenance), and those the generator exports (``gift``, ``anki``, ...; a generator's own
``text`` replaces the plain one). A generator's formats need the job's validated input. A
queued job's result read back later (``aigc result``) comes without it, since the job store
keeps no input: there ``text`` is the plain one and other formats are refused, saying where to
ask for them.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from pydantic import BaseModel

from ..errors import AigcError
from ..generator import Generator
from ..jobs import Result
from ..labelling import explicit_label, place


def output_format(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--format/-f`` and ``--json`` (short for ``--format json``) for a command that shows a
    result; the command gets them as one ``fmt`` argument."""

    @click.option("--json", "as_json", is_flag=True,
                  help="Print the full result with provenance (--format json).")
    @click.option("--format", "-f", "fmt", default=None,
                  help="Output format: text, json, or one the generator offers (e.g. gift).")
    @functools.wraps(command)
    def with_format(*args: Any, as_json: bool, fmt: str | None, **kwargs: Any) -> Any:
        return command(*args, fmt=fmt or ("json" if as_json else "text"), **kwargs)

    return with_format


def show(result: Result, fmt: str = "text", generator: Generator | None = None,
         data: BaseModel | None = None) -> None:
    """Print a result as ``fmt`` and end as every command that shows one does: a failed job
    exits 1 after saying why on standard error (``json`` prints the failed result too)."""
    if result.ok or fmt == "json":
        click.echo(render(result, fmt, generator, data))
    if not result.ok:
        report_failure(result)
        sys.exit(1)


def render(result: Result, fmt: str = "text", generator: Generator | None = None,
           data: BaseModel | None = None) -> str:
    """``result`` as ``fmt``. ``generator`` (the job's) and ``data`` (its validated input) are
    needed for the generator's own formats only."""
    own = generator.exporters.get(fmt) if generator is not None and fmt != "json" else None
    if own is not None and data is not None:
        return own(_output(result, generator), data, result)
    plain = _PLAIN.get(fmt)
    if plain is None:
        raise AigcError(_no_format(fmt, generator))
    return plain(result)


def check_format(fmt: str, generator: Generator | None = None) -> None:
    """Refuse a format ``render`` cannot write for ``generator``'s results (without one: for
    a result read back from the queue), before any model time is spent on the job."""
    if fmt not in _PLAIN and (generator is None or fmt not in generator.exporters):
        raise AigcError(_no_format(fmt, generator))


def _output(result: Result, generator: Generator) -> Any:
    """What an exporter takes: the output model, or the text of a text generator."""
    if generator.output_model is None:
        return result.text
    return generator.output_model.model_validate(result.output)


def _plain_text(result: Result) -> str:
    if result.output is None:
        return result.text or ""  # a text result carries its label in the text itself
    return _with_label(json.dumps(result.output, indent=2, ensure_ascii=False), result)


#: The formats of every result, whatever its generator.
_PLAIN: dict[str, Callable[[Result], str]] = {
    "text": _plain_text,
    "json": lambda result: result.model_dump_json(indent=2),
}


def _no_format(fmt: str, generator: Generator | None) -> str:
    if generator is not None and fmt not in generator.exporters:
        known = ", ".join([*_PLAIN, *sorted(generator.exporters)])
        return f"{generator.name} cannot export {fmt!r}; formats: {known}"
    return (f"{fmt!r} is not text or json, so it can only be a format of the job's generator, "
            "which needs the job's input; a result read back from the queue does not carry "
            f"it: ask for {fmt!r} when you submit (`aigc submit --wait --format {fmt}`)")


def _with_label(text: str, result: Result) -> str:
    """Show a structured output's explicit AI label (kept in metadata so the output still
    matches its schema) where the label says it goes."""
    label = explicit_label(result)
    return "\n".join(place([text], [label.text] if label else [], label))


def report_failure(result: Result) -> None:
    error = result.error
    click.echo(f"failed ({error.kind if error else 'unknown'}): "
               f"{error.message if error else ''}", err=True)
    for problem in result.problems:
        click.echo(f"  - {problem}", err=True)
