"""Relevance: a headline must be about its story, sharing at least one word or number with it.

The embedded model, asked for headlines on "Unemployment falls to 3.9% in March, the lowest
since 2008", wrote "Mergers and Surprises: A new era of job growth in the tech industry" as a
third variant, and it succeeded: grounded (no number, no quote), well formed, about nothing
the story says. A headline that shares no word with its story is flagged ``off_topic``.

Words are compared loosely, so that a headline may inflect and abbreviate: words of four
letters or more, case-folded, that are equal or where one begins with the other ("fall" and
"falls", "Radweg" and "Radwege"), and numbers by what they may mean ("3.9" = "3,9", but not "3";
``aigc_core.numbers``). Words under four
letters ("the", "tax", "new") say too little to count. A good headline that keeps no word
of its story ("Jobless rate hits 16-year low") is flagged too, and the repair loop asks for
one that does; the spare variants (``headlines.SPARE``) often make that unnecessary.

Not judged: a story in another language than the headline's ("Stadt baut neue Radwege" for
English headlines shares no word with "City builds new cycle lanes"), or one too short to
tell (py3langid gives the headline's language less than ``MIN_SAME_LANGUAGE``: "solar panels"
reads as Javanese); a story or headline written without spaces between words (Chinese,
Japanese, Thai); a story without a word of four letters ("Tax").

>>> story = "Unemployment falls to 3.9% in March"
>>> off_topic("headlines[2]", "Mergers and surprises in tech", story, "en")[0].code
'off_topic'
>>> off_topic("headlines[0]", "Jobless total falls again", story, "en")
[]
"""

from __future__ import annotations

import math
import re

from aigc_core import Problem, numbers
from aigc_core.checks import quote

#: Letters of the shortest word that counts.
MIN_LETTERS = 4
#: Words of the story named in the problem, as a hint.
SHOWN = 4
#: How sure the language identifier must be that the story is in the headline's language.
MIN_SAME_LANGUAGE = 0.5

_TERM = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}|\d+(?:[.,]\d+)*")
#: Scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f\uac00-\ud7af]")


def _terms(text: str) -> list[str]:
    return list(dict.fromkeys(term.casefold() for term in _TERM.findall(text)))


def _same(a: str, b: str) -> bool:
    if a[0].isdigit() or b[0].isdigit():
        return a[0].isdigit() and b[0].isdigit() and numbers.same(a, b)
    return a.startswith(b) or b.startswith(a)


def _in_language(text: str, language: str) -> bool:
    """Whether ``text`` is surely written in ``language`` (a BCP 47 tag)."""
    # Imported on first use: py3langid imports numpy, which a process that only submits
    # jobs never needs.
    import py3langid

    ranked = py3langid.rank(text)
    best = ranked[0][1]
    weights = {code: math.exp(score - best) for code, score in ranked}
    wanted = language.split("-", 1)[0].lower()
    return weights.get(wanted, 0.0) / sum(weights.values()) >= MIN_SAME_LANGUAGE


def off_topic(field: str, text: str, story: str, language: str) -> list[Problem]:
    """An ``off_topic`` problem if ``text`` shares no word or number with ``story``, a story
    in ``language`` (the headline's)."""
    if _UNSPACED.search(story) or _UNSPACED.search(text):
        return []
    own, story_terms = _terms(text), _terms(story)
    if not own or not story_terms:
        return []
    if any(_same(word, term) for word in own for term in story_terms) or \
            not _in_language(story, language):
        return []
    shown = ", ".join(quote(term) for term in story_terms[:SHOWN])
    return [Problem(field=field, code="off_topic",
                    message=f"shares no word with the story; write about it, with at least one "
                            f"of its words ({shown})")]
