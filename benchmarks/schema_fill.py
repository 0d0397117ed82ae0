"""A minimal instance of a JSON schema: what the simulated server answers for ``response_format``.

It stands in for a server's grammar-constrained decoding: every property is filled, arrays get
``minItems`` items (at least one), strings are filler words up to ``maxLength`` and differ from
each other (validators that reject repeated items pass), enums take their first value.
``pattern`` and ``format`` are not honoured: the benchmark schemas use neither.

>>> instance({"type": "object", "properties": {"n": {"type": "integer", "minimum": 2}}})
{'n': 2}
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

#: Filler vocabulary; a string takes consecutive words from a position that moves on for each
#: string, so two strings of one answer never repeat each other.
WORDS = (
    "amber", "basin", "cedar", "delta", "ember", "fjord", "grove", "harbor", "island", "jetty",
    "kestrel", "lagoon", "meadow", "nectar", "orchard", "prairie", "quarry", "ridge", "summit",
    "tundra", "upland", "valley", "willow", "yonder", "zephyr", "anchor", "beacon", "canyon",
    "dune", "estuary", "falcon", "glacier", "heron", "inlet", "juniper", "knoll", "larch",
    "marsh", "north", "oasis", "pine", "quartz", "river", "spruce", "timber", "umber", "vista",
    "wharf", "yarrow", "alder", "birch", "coral",
)

_DEFAULT_STRING = 24
_DEFAULT_ITEMS = 1

Filler = Callable[[dict[str, Any], "_Context"], Any]


class _Context:
    def __init__(self, defs: dict[str, Any], seed: int):
        self.defs = defs
        # Step 7 is coprime with the vocabulary size, so starts cycle through every word.
        self.starts: Iterator[int] = itertools.count(seed * 7919, 7)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if ref is None:
            return schema
        return self.resolve(self.defs[ref.rsplit("/", 1)[-1]])


def instance(schema: dict[str, Any], seed: int = 0) -> Any:
    """A value that satisfies ``schema`` (without ``pattern``/``format``)."""
    return _fill(schema, _Context(schema.get("$defs", {}), seed))


def _fill(schema: dict[str, Any], ctx: _Context) -> Any:
    schema = ctx.resolve(schema)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [ctx.resolve(option) for option in schema[key]]
            chosen = next((o for o in options if o.get("type") != "null"), options[0])
            return _fill(chosen, ctx)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _FILLERS[kind](schema, ctx)


def _object(schema: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    return {name: _fill(sub, ctx) for name, sub in schema.get("properties", {}).items()}


def _array(schema: dict[str, Any], ctx: _Context) -> list[Any]:
    count = max(schema.get("minItems", _DEFAULT_ITEMS), 1)
    count = min(count, schema.get("maxItems", count))
    return [_fill(schema.get("items", {}), ctx) for _ in range(count)]


def _string(schema: dict[str, Any], ctx: _Context) -> str:
    limit = schema.get("maxLength", _DEFAULT_STRING)
    start = next(ctx.starts)
    words: list[str] = []
    size = -1
    for offset in itertools.count():
        word = WORDS[(start + offset) % len(WORDS)]
        if size + 1 + len(word) > limit:
            break
        words.append(word)
        size += 1 + len(word)
    text = " ".join(words) or "x"[:limit]
    return text.ljust(schema.get("minLength", 0), "x")


def _number(schema: dict[str, Any], ctx: _Context) -> float | int:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    return low + 1 if "exclusiveMinimum" in schema else low


_FILLERS: dict[str, Filler] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda schema, ctx: True,
    "null": lambda schema, ctx: None,
}
