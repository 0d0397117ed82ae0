"""The JSON schemas that constrain news answers: grounding of numbers in the grammar.

Strings follow ``aigc_core.schemas`` (one line, no raw control characters, escaped quotation
marks allowed), and further keep digits out except as the input's own numbers. A server that
matches patterns against the decoded value instead of the JSON text allows curly quotation
marks only, which news copy may use as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aigc_core.schemas import array, chars, obj

__all__ = ["NUMBER_ROOM", "array", "obj", "text"]

#: One character of news copy but a digit: also no character of code and markup
#: ({}<>=|_~^`), which news copy never needs and a small model drifting into JSON or code
#: would write.
_CHAR = chars("0123456789{}<>=|_~^`")
#: What a number must follow, unless it starts the text: a space, bracket, currency sign or
#: opening quotation mark. Not a letter ("a1200" would hide a figure from grounding), nor a
#: digit, point or comma ("12.12" or "1,1200" would make a new figure of given ones).
_BEFORE_NUMBER = r'[ (#$€£¥+“‘«]|\\"'
#: A dash or slash before a number must itself follow something other than a digit ("mid-2025"
#: but not "10-12" or "2025-12-3"): given numbers joined up make a range or a date that the
#: input never gave.
_JOINER = "[-–—/]"

#: Output models accept this many times the lengths given to ``text``: it counts a number as
#: one character, however long the number is.
NUMBER_ROOM = 2


def text(shortest: int, longest: int, numbers: Iterable[str], *,
         sentence: bool = False) -> dict[str, Any]:
    """A string of ``shortest`` to ``longest`` characters on one line whose digits are only
    ``numbers``, each written as given and standing apart from letters and other numbers:
    grounding in the grammar, so that a model cannot invent a figure. A number counts as one
    character against the limits (see NUMBER_ROOM).

    A ``sentence`` ends with a full stop, question or exclamation mark: a model stopped by the
    length limit still ends its last sentence, if not always where it meant to.
    """
    figures = "|".join(sorted(n.replace(".", "[.]") for n in set(numbers)))
    # Every unit starts with a character that is no digit, so a number never runs on into
    # another: it is followed by the next unit, or ends the text.
    unit = (f"{_CHAR}|({_BEFORE_NUMBER})({figures})|({_CHAR}){_JOINER}({figures})"
            if figures else _CHAR)
    first = f"({figures})?" if figures else ""
    tail, reserved = ("[.!?]", 1) if sentence else ("", 0)
    low, high = max(shortest - reserved, 0), longest - reserved
    return {"type": "string", "minLength": shortest, "maxLength": longest,
            "pattern": f"^{first}({unit}){{{low},{high}}}{tail}$"}
