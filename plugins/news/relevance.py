"""Relevance: a headline must be about its story, sharing at least one word or number with it.

The embedded model, asked for headlines on "Unemployment falls to 3.9% in March, the lowest
since 2008", wrote "Mergers and Surprises: A new era of job growth in the tech industry" as a
third variant, and it succeeded: grounded (no number, no quote), well formed, about nothing
the story says. A headline that shares no word with its story is flagged ``off_topic``.

Words are compared loosely, so that a headline may inflect and abbreviate: words of four
letters or more, case-folded, that are equal or where one begins with the other ("fall" and
"falls", "Radweg" and "Radwege"), and numbers as written ("2028", "3.9"). Words under four
letters ("the", "tax", "new") say too little to count. A good headline that keeps no word
of its story ("Jobless rate hits 16-year low") is flagged too, and the repair loop asks for
one that does; the spare variants (``headlines.SPARE``) often make that unnecessary.

Not judged: a story or headline written without spaces between words (Chinese, Japanese,
Thai), and a story without a word of four letters ("Tax").

>>> off_topic("headlines[2]", "Mergers and surprises in tech", "Unemployment falls to 3.9%")[0].code
'off_topic'
>>> off_topic("headlines[0]", "Jobless total falls again", "Unemployment falls to 3.9%")
[]
"""

from __future__ import annotations

import re

from aigc_core import Problem
from aigc_core.checks import quote

#: Letters of the shortest word that counts.
MIN_LETTERS = 4
#: Words of the story named in the problem, as a hint.
SHOWN = 4

_TERM = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}|\d+(?:[.,]\d+)*")
#: Scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f\uac00-\ud7af]")


def _terms(text: str) -> list[str]:
    return list(dict.fromkeys(term.casefold() for term in _TERM.findall(text)))


def _same(a: str, b: str) -> bool:
    if a[0].isdigit() or b[0].isdigit():
        return a == b
    return a.startswith(b) or b.startswith(a)


def off_topic(field: str, text: str, story: str) -> list[Problem]:
    """An ``off_topic`` problem if ``text`` shares no word or number with ``story``."""
    if _UNSPACED.search(story) or _UNSPACED.search(text):
        return []
    own, story_terms = _terms(text), _terms(story)
    if not own or not story_terms:
        return []
    if any(_same(word, term) for word in own for term in story_terms):
        return []
    shown = ", ".join(quote(term) for term in story_terms[:SHOWN])
    return [Problem(field=field, code="off_topic",
                    message=f"shares no word with the story; write about it, with at least one "
                            f"of its words ({shown})")]
