"""An output as its reader will see it, as data for the job page's templates (which escape
every string: model output is untrusted and must never run in the page).

- a translation: source and translation side by side, row by row (each string of an i18n
  file on its own row), placeholders and glossary terms marked in both;
- anything else: its fields in order; lists as lists; every short text with its display
  width (wide CJK characters count two), which ad platforms limit;
- a text result: its paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

#: Placeholders a translation must keep: {name}, {{ name }}, %s / %(name)s, <tags>, $VAR.
PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{[^{}\s]*\}|%(?:\([^)]*\))?[sdif]|</?[A-Za-z][^<>]*>"
                         r"|\$[A-Za-z_][A-Za-z0-9_]*")
#: Texts up to this long show their display width.
SHORT = 300


@dataclass(frozen=True)
class Run:
    """A piece of a text; ``mark`` is "placeholder", "term" or None."""

    text: str
    mark: str | None = None


@dataclass
class Row:
    path: str
    source: list[Run]
    target: list[Run]


@dataclass
class Preview:
    kind: str  # "translation", "fields" or "text"
    rows: list[Row] = field(default_factory=list)
    value: Any = None
    paragraphs: list[str] = field(default_factory=list)


def width(text: str) -> int:
    """Columns the text takes: wide and fullwidth characters (CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def marked(text: str, terms: list[str]) -> list[Run]:
    """``text`` cut into runs, placeholders and glossary terms marked."""
    patterns = [PLACEHOLDER.pattern] + [re.escape(term) for term in terms if term]
    runs, at = [], 0
    for found in re.finditer("|".join(f"(?:{p})" for p in patterns), text):
        if found.start() > at:
            runs.append(Run(text[at:found.start()]))
        kind = "placeholder" if PLACEHOLDER.fullmatch(found.group()) else "term"
        runs.append(Run(found.group(), kind))
        at = found.end()
    if at < len(text) or not runs:
        runs.append(Run(text[at:]))
    return runs


def flatten(value: Any, path: str = "") -> dict[str, str]:
    """Every string of a JSON value by its path (``menu.title``, ``items[2]``)."""
    if isinstance(value, str):
        return {path or "text": value}
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= flatten(item, f"{path}[{index}]")
    return found


def preview(generator: str, job_input: dict[str, Any], output: dict[str, Any] | None,
            text: str | None) -> Preview:
    if output is not None and generator.startswith("translation.") and "translation" in output:
        glossary = job_input.get("glossary") or {}
        sources = flatten(job_input.get("text", ""))
        targets = flatten(output["translation"])
        rows = [Row(path, marked(sources.get(path, ""), list(glossary)),
                    marked(targets.get(path, ""), list(glossary.values())))
                for path in dict.fromkeys([*sources, *targets])]
        return Preview("translation", rows=rows)
    if output is not None:
        return Preview("fields", value=output)
    return Preview("text", paragraphs=paragraphs(text or ""))
