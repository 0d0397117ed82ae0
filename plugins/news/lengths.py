"""Target lengths in words, met within a tolerance: copy is written to a length, not counted to
one, and a model cannot count its own words."""

from __future__ import annotations

import math

from aigc_core import Problem
from aigc_core.checks import word_count

#: A text may be this share of its target longer or shorter ...
TOLERANCE = 0.25
#: ... and never less than this many words, which matters for short targets.
MIN_SLACK_WORDS = 10
#: Characters per word of prose, its space included (five to six in English news copy):
#: constrained decoding counts characters, so a word target becomes string lengths at these
#: rates.
MIN_CHARS_PER_WORD = 5.0
MAX_CHARS_PER_WORD = 6.0


def word_window(target: int) -> tuple[int, int]:
    """The accepted range of word counts for ``target``, both ends included."""
    slack = max(round(target * TOLERANCE), MIN_SLACK_WORDS)
    return max(1, target - slack), target + slack


def char_window(words: int, parts: int = 1) -> tuple[int, int]:
    """``(minLength, maxLength)`` for each of ``parts`` strings that together should run to
    about ``words`` words: the schema bounds that keep a model near a word target."""
    return (math.ceil(words * MIN_CHARS_PER_WORD / parts),
            math.floor(words * MAX_CHARS_PER_WORD / parts))


def near_target(field: str, text: str, target: int, what: str = "is") -> list[Problem]:
    """A problem when ``text`` is outside the window around ``target`` words. ``what`` starts
    the message, e.g. "lede and body together are"."""
    low, high = word_window(target)
    words = word_count(text)
    if words < low:
        return [Problem(field=field, code="too_short",
                        message=f"{what} {words} words; write about {target} "
                                f"(at least {low}): add detail")]
    if words > high:
        return [Problem(field=field, code="too_long",
                        message=f"{what} {words} words; write about {target} "
                                f"(at most {high}): cut the least important sentences")]
    return []
