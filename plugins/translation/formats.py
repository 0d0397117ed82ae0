"""Content formats: what in a document is translated, which spans are protected, how it is rebuilt.

A document is cut into *segments*, the strings to translate: the whole text for plain text,
Markdown and HTML, every string value for a JSON i18n file (keys never reach the model). Each
format names the finders (see ``masking``) that protect its syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aigc_core import Problem

from . import masking
from .masking import Finder

ContentFormat = Literal["plain", "markdown", "html", "json"]

#: A document as given: text, or a parsed JSON i18n object.
Document = str | dict[str, Any]


@dataclass(frozen=True)
class Unit:
    """One translated segment next to its source, for validators; ``field`` is its path."""

    field: str
    source: str
    translation: str


@dataclass(frozen=True)
class FormatSpec:
    #: Finders of the protected spans inside a segment.
    finders: Sequence[Finder]
    #: The segments of a document, in order.
    segments: Callable[[Any], list[str]]
    #: The output document from the source and its translated segments.
    assemble: Callable[[Any, list[str]], Document]
    #: Source and translated segments side by side, for validators.
    units: Callable[[Any, Any], list[Unit]]
    #: Problems with the output's shape (wrong type, keys not those of the source).
    shape: Callable[[Any, Any], list[Problem]]


# -- text formats: the whole text is one segment ------------------------------------------------
def _text_segments(text: str) -> list[str]:
    return [text]


def _text_assemble(text: str, translated: list[str]) -> str:
    return translated[0]


def _text_units(text: str, output: Document) -> list[Unit]:
    return [Unit("translation", text, output)] if isinstance(output, str) else []


def _text_shape(text: str, output: Document) -> list[Problem]:
    if isinstance(output, str):
        return []
    return [Problem(field="translation", code="type", message="must be text, not a JSON object")]


# -- JSON i18n files: every string value is a segment -------------------------------------------
def _leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(path, string)`` for every string in a JSON value, depth first in document order."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")


def _json_segments(source: dict[str, Any]) -> list[str]:
    return [text for _, text in _leaves(source, "translation")]


def _json_assemble(source: dict[str, Any], translated: list[str]) -> dict[str, Any]:
    replacements = iter(translated)

    def rebuild(value: Any) -> Any:
        if isinstance(value, str):
            return next(replacements)
        if isinstance(value, dict):
            return {key: rebuild(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rebuild(item) for item in value]
        return value  # numbers, booleans and null are not text: kept as they are

    return rebuild(source)


def _json_units(source: dict[str, Any], output: Document) -> list[Unit]:
    translated = dict(_leaves(output, "translation"))
    return [Unit(path, text, translated[path]) for path, text in _leaves(source, "translation")
            if path in translated]


def _json_shape(source: Any, output: Any, path: str = "translation") -> list[Problem]:
    """The output must have the source's keys, list lengths and non-text values exactly."""
    if isinstance(source, dict) and isinstance(output, dict):
        missing = [key for key in source if key not in output]
        extra = [key for key in output if key not in source]
        return [
            *(Problem(field=f"{path}.{key}", code="json_key",
                      message="is missing; keep every key of the source") for key in missing),
            *(Problem(field=f"{path}.{key}", code="json_key",
                      message="is not a key of the source; remove it") for key in extra),
            *(problem for key in source if key in output
              for problem in _json_shape(source[key], output[key], f"{path}.{key}")),
        ]
    if isinstance(source, list) and isinstance(output, list):
        if len(source) != len(output):
            return [Problem(field=path, code="json_list", message=f"has {len(output)} items; "
                            f"the source has {len(source)}")]
        return [problem for index, (a, b) in enumerate(zip(source, output, strict=True))
                for problem in _json_shape(a, b, f"{path}[{index}]")]
    if isinstance(source, str) and isinstance(output, str):
        return []
    if type(source) is type(output) and source == output:
        return []
    return [Problem(field=path, code="json_value",
                    message=f"must be {_describe(source)} like the source, "
                            f"got {_describe(output)}")]


def _describe(value: Any) -> str:
    if isinstance(value, (dict, list, str)):
        return {dict: "an object", list: "a list", str: "text"}[type(value)]
    return f"the value {value!r}"


FORMATS: dict[ContentFormat, FormatSpec] = {
    "plain": FormatSpec(masking.common, _text_segments, _text_assemble, _text_units, _text_shape),
    "markdown": FormatSpec(masking.markdown, _text_segments, _text_assemble, _text_units,
                           _text_shape),
    "html": FormatSpec(masking.common, _text_segments, _text_assemble, _text_units, _text_shape),
    # i18n values are plain strings that may hold placeholders, ICU messages and inline tags.
    "json": FormatSpec(masking.common, _json_segments, _json_assemble, _json_units, _json_shape),
}


def translatable_words(fmt: ContentFormat, source: Document) -> str:
    """The translatable words of a document, protected spans removed: for language detection
    and length comparisons."""
    spec = FORMATS[fmt]
    return "\n".join(masking.words(segment, spec.finders) for segment in spec.segments(source))
