"""Building blocks of ``Generator.output_schema``: JSON schemas tight enough for decoding.

A generator's output model gives a JSON schema that allows any number of items and any
string. ``output_schema(data)`` can give one per input instead (exactly the requested
number of items, only the allowed enum values), so that grammar-constrained decoding (the
embedded llama.cpp backend, llama.cpp and vLLM servers) writes what the validators would
otherwise send back for repair. Validators still check every answer: other backends may
ignore the schema.

    def cards_schema(data: CardsInput) -> dict:
        card = schemas.obj(front=schemas.line(2, 150), back=schemas.line(1, 300))
        return schemas.obj(cards=schemas.array(card, data.count, data.count))

Strings: llama.cpp's grammar for a plain JSON string lets raw newlines and other control
characters through, which no JSON parser accepts, and a small model does write them. ``line``
gives a pattern that keeps them out. llama.cpp matches patterns against the JSON text and
copies character classes into its grammar as they are, so the pattern allows the escapes
``\\"`` and ``\\\\`` (a quotation can still be written) and needs no other escape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def chars(exclude: str = "") -> str:
    """A regex for one character of a one-line JSON string, as JSON text: anything but a
    quotation mark, backslash, control character or ``exclude`` (characters for a regex
    class, e.g. ``"0-9<>"``), or an escaped quotation mark or backslash."""
    return rf'[^"\\\x00-\x1f{exclude}]|\\["\\]'


def line(shortest: int, longest: int, *, exclude: str = "") -> dict[str, Any]:
    """A string of ``shortest`` to ``longest`` characters on one line, without ``exclude``."""
    return {"type": "string", "minLength": shortest, "maxLength": longest,
            "pattern": f"^({chars(exclude)}){{{shortest},{longest}}}$"}


def array(items: dict[str, Any], fewest: int, most: int) -> dict[str, Any]:
    return {"type": "array", "items": items, "minItems": fewest, "maxItems": most}


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, written in this order."""
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def choice(values: Iterable[Any]) -> dict[str, Any]:
    """One of ``values`` (strings, numbers, booleans)."""
    return {"enum": list(values)}


def one_of(*variants: dict[str, Any]) -> dict[str, Any]:
    """Any one of ``variants``; a single variant is used as it is."""
    return variants[0] if len(variants) == 1 else {"anyOf": list(variants)}
