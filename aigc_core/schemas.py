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

Numbers: llama.cpp ignores ``minimum`` and ``maximum``, so ``integer`` and ``number`` give an
``enum`` of the allowed values for a small range and a digits ``pattern`` for a wide one;
``integer_field`` and ``number_field`` put the same schema on a field of an output model, whose
validation checks the bounds whatever the backend enforced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from pydantic import Field

from .numerals import numeral_pattern

#: Ranges of at most this many values become an ``enum``; wider ones a pattern. llama.cpp tries
#: every value of an enum on every candidate token: on SmolLM2's vocabulary a 100-value enum
#: costs 43 ms a token and a 1,000-value one 330 ms, against 16 ms for a 10-value one.
ENUM_LIMIT = 128

#: What a character class needs escaped. Written as ``\xNN``, which Python, ECMAScript and
#: llama.cpp's grammars all read (llama.cpp knows no ``\-`` or ``\^``).
_CLASS_SPECIALS = frozenset("\\]^-[")


def chars(exclude: str = "") -> str:
    """A regex for one character of a one-line JSON string, as JSON text: anything but a
    quotation mark, backslash, control character or a character of ``exclude``, or an
    escaped quotation mark or backslash. ``exclude`` lists characters, not a regex:
    ``chars("<>-")`` keeps out ``<``, ``>`` and ``-``.
    """
    escaped = "".join(f"\\x{ord(c):02x}" if c in _CLASS_SPECIALS else c for c in exclude)
    return rf'[^"\\\x00-\x1f{escaped}]|\\["\\]'


def line(shortest: int, longest: int, *, exclude: str = "") -> dict[str, Any]:
    """A string of ``shortest`` to ``longest`` characters on one line, without any character
    of ``exclude``.

    >>> line(1, 80, exclude="0123456789<>")   # no digits, no markup
    """
    return {"type": "string", "minLength": shortest, "maxLength": longest,
            "pattern": f"^({chars(exclude)}){{{shortest},{longest}}}$"}


def integer(ge: int, le: int) -> dict[str, Any]:
    """A whole number from ``ge`` to ``le``, bounded in a form llama.cpp's grammar keeps.

    Up to ``ENUM_LIMIT`` values: an ``enum`` (still a JSON integer, with ``minimum`` and
    ``maximum`` for backends that read them). A wider range: a JSON string of the number's
    digits matched by a pattern, which an ``int`` field of a pydantic model reads as the number.

    >>> integer(1, 5)
    {'type': 'integer', 'minimum': 1, 'maximum': 5, 'enum': [1, 2, 3, 4, 5]}
    >>> integer(1900, 2100)["pattern"]
    '^(19[0-9][0-9]|20[0-9][0-9]|2100)$'
    """
    return _bounded("integer", ge, le, 0)


def number(ge: float, le: float, *, decimals: int = 1) -> dict[str, Any]:
    """A number from ``ge`` to ``le`` with ``decimals`` digits after the point, bounded like
    ``integer``: an ``enum`` of JSON numbers, or (wider) a string of digits that a ``float``
    field reads.

    >>> number(0, 5, decimals=1)["enum"][:3]
    [0.0, 0.1, 0.2]
    >>> number(0, 100, decimals=2)["pattern"]   # exactly two decimals: "7.50"
    '^([0-9][.][0-9][0-9]|[1-9][0-9][.][0-9][0-9]|100[.]00)$'
    """
    return _bounded("number", ge, le, decimals)


def integer_field(ge: int, le: int, **field: Any) -> Any:
    """A pydantic ``Field`` for an ``int`` from ``ge`` to ``le``: validated with ``ge``/``le``,
    and with ``integer(ge, le)`` as its JSON schema, so the output model alone constrains
    decoding. ``field`` takes ``Field``'s other arguments.

    >>> class Review(BaseModel):
    ...     stars: int = integer_field(1, 5, description="1 (poor) to 5 (excellent)")
    """
    return Field(ge=ge, le=le, json_schema_extra=_schema_of(integer(ge, le)), **field)


def number_field(ge: float, le: float, *, decimals: int = 1, **field: Any) -> Any:
    """``integer_field`` for a ``float``: validated with ``ge``/``le``, decoded as
    ``number(ge, le, decimals=decimals)`` (validation does not count the decimals).

    >>> class Rating(BaseModel):
    ...     score: float = number_field(0, 10, decimals=1)
    """
    return Field(ge=ge, le=le, json_schema_extra=_schema_of(number(ge, le, decimals=decimals)),
                 **field)


def _bounded(kind: str, ge: float, le: float, decimals: int) -> dict[str, Any]:
    scale = Decimal(10) ** decimals
    low = int((Decimal(str(ge)) * scale).to_integral_value(ROUND_CEILING))
    high = int((Decimal(str(le)) * scale).to_integral_value(ROUND_FLOOR))
    if low > high:
        raise ValueError(f"no {kind} with {decimals} decimal(s) lies from {ge} to {le}")
    if high - low < ENUM_LIMIT:
        values = [float(Decimal(units) / scale) if decimals else units
                  for units in range(low, high + 1)]
        return {"type": kind, "minimum": ge, "maximum": le, "enum": values}
    return {"type": "string", "pattern": numeral_pattern(low, high, decimals=decimals)}


def _schema_of(schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` that replaces pydantic's schema of a field (which keeps only
    ``minimum``/``maximum``), keeping its title and description."""
    def replace(generated: dict[str, Any]) -> None:
        kept = {k: generated[k] for k in ("title", "description", "default") if k in generated}
        generated.clear()
        generated.update(kept, **schema)

    return replace


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
