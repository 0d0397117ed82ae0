"""An output as its reader will see it, as data for the job page's templates (which escape
every string: model output is untrusted and must never run in the page).

- a translation: source and translation side by side, row by row (each string of an i18n
  file on its own row), placeholders and glossary terms marked in both;
- an article (a headline and a body): headline, lede, paragraphs, summary;
- a quiz (questions): each question with its options and the key marked;
- anything else: its fields in order; lists as lists;
- a text result: its paragraphs.

Every short text shows its display width (wide CJK characters count two), against the limit
the generator's output schema sets for that field for this job (an ad platform's headline
limit, say): the console needs no plugin's code to know it.
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
    kind: str  # "translation", "article", "quiz", "fields" or "text"
    rows: list[Row] = field(default_factory=list)
    value: Any = None
    paragraphs: list[str] = field(default_factory=list)
    #: maxLength by field path ("headlines[]", "seo.title"), from the output schema.
    limits: dict[str, int] = field(default_factory=dict)


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


def limits(schema: dict[str, Any] | None, path: str = "",
           root: dict[str, Any] | None = None) -> dict[str, int]:
    """Each string field's maxLength in a JSON schema, by path: ``a.b`` for properties,
    ``a[]`` for the items of a list."""
    if not schema:
        return {}
    root = root or schema
    if "$ref" in schema:
        schema = root.get("$defs", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    found: dict[str, int] = {}
    if "maxLength" in schema and path:
        found[path] = schema["maxLength"]
    for name, sub in schema.get("properties", {}).items():
        found |= limits(sub, f"{path}.{name}" if path else name, root)
    if isinstance(schema.get("items"), dict):
        found |= limits(schema["items"], f"{path}[]", root)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        found |= limits(option, path, root)
    return found


def preview(generator: str, job_input: dict[str, Any], output: dict[str, Any] | None,
            text: str | None, schema: dict[str, Any] | None = None) -> Preview:
    if output is not None and generator.startswith("translation.") and "translation" in output:
        glossary = job_input.get("glossary") or {}
        sources = flatten(job_input.get("text", ""))
        targets = flatten(output["translation"])
        rows = [Row(path, marked(sources.get(path, ""), list(glossary)),
                    marked(targets.get(path, ""), list(glossary.values())))
                for path in dict.fromkeys([*sources, *targets])]
        return Preview("translation", rows=rows)
    bounds = limits(schema)
    if output is not None and {"headline", "body"} <= output.keys():
        return Preview("article", value=output, limits=bounds)
    if output is not None and isinstance(output.get("questions"), list):
        return Preview("quiz", value=output, limits=bounds)
    if output is not None:
        return Preview("fields", value=output, limits=bounds)
    return Preview("text", paragraphs=paragraphs(text or ""))
