"""Building blocks of the JSON schemas that constrain the model's answers.

Every string is given as a pattern, not just a length: llama.cpp's grammar for a plain JSON
string lets raw newlines and other control characters through, which no JSON parser accepts.
The pattern allows any other character, and the escapes ``\\"`` and ``\\\\`` so that a quotation
can still be written: llama.cpp matches patterns against the JSON text and copies the character
class into its grammar as it is. A server that matches them against the decoded value instead
allows curly quotation marks only, which news copy may use as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: One character of a JSON string but a digit: anything but a quotation mark, backslash, control
#: character or digit, or an escaped quotation mark or backslash.
_NON_DIGIT = r'[^"\\\x00-\x1f0-9]|\\["\\]'
#: What may follow a number: not a digit, nor a point or comma before one ("12.12" from "12").
_AFTER_NUMBER = rf'[^"\\\x00-\x1f0-9.,]|\\["\\]|[.,]({_NON_DIGIT})'

#: Output models accept this many times the lengths given to ``text``: it counts a number as
#: one character, however long the number is.
NUMBER_ROOM = 2


def text(shortest: int, longest: int, numbers: Iterable[str], *,
         sentence: bool = False) -> dict[str, Any]:
    """A string of ``shortest`` to ``longest`` characters on one line whose digits are only
    ``numbers``, each written as given and not run into another one: grounding in the grammar,
    so that a model cannot invent a figure. A number counts as one character against
    the limits (see NUMBER_ROOM).

    A ``sentence`` ends with a full stop, question or exclamation mark: a model stopped by the
    length limit still ends its last sentence, if not always where it meant to.
    """
    figures = "|".join(sorted(n.replace(".", "[.]") for n in set(numbers)))
    unit = f"{_NON_DIGIT}|({figures})({_AFTER_NUMBER})" if figures else _NON_DIGIT
    last = f"({figures})?" if figures else ""
    tail, reserved = ("[.!?]", 1) if sentence else ("", 0)
    low, high = max(shortest - reserved, 0), longest - reserved
    return {"type": "string", "minLength": shortest, "maxLength": longest,
            "pattern": f"^({unit}){{{low},{high}}}{last}{tail}$"}


def array(items: dict[str, Any], fewest: int, most: int) -> dict[str, Any]:
    return {"type": "array", "items": items, "minItems": fewest, "maxItems": most}


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, written in this order."""
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}
