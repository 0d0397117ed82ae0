"""Reading a job's input from ``--input FILE``, standard input, and ``-p key=value`` pairs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

_JOB_OPTIONS = (
    click.argument("generator"),
    click.option("--input", "-i", "input_file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="JSON file with the input ('-' for standard input)."),
    click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE",
                 help="Input field; values that parse as JSON are JSON. Repeatable."),
    click.option("--model", "-m", default="default", show_default=True),
    click.option("--option", "-o", "option_pairs", multiple=True, metavar="KEY=VALUE",
                 help="Generation option, e.g. -o temperature=0.7 -o max_tokens=300."),
)


def job_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments every command that makes jobs takes: GENERATOR, its input, model and
    options (``aigc generate``, ``aigc submit``)."""
    for decorator in reversed(_JOB_OPTIONS):
        command = decorator(command)
    return command


def parse_pairs(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``-p count=3 -p topic=tides`` -> ``{"count": 3, "topic": "tides"}``. A value that parses
    as JSON is taken as JSON (numbers, lists, objects); anything else is a string."""
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not key=value", param_hint="-p")
        try:
            data[key] = json.loads(value)
        except json.JSONDecodeError:
            data[key] = value
    return data


def read_input(input_file: str | None, pairs: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    source = None
    if input_file == "-" or (input_file is None and not pairs and not sys.stdin.isatty()):
        source, text = "standard input", sys.stdin.read()
    elif input_file is not None:
        source, text = input_file, Path(input_file).read_text(encoding="utf-8")
    if source is not None and text.strip():
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(
                f"{source} is not JSON: {exc.msg} (line {exc.lineno})", param_hint="--input"
            ) from None
        if not isinstance(data, dict):
            raise click.BadParameter(f"{source} must hold a JSON object", param_hint="--input")
    data.update(parse_pairs(pairs))
    return data
