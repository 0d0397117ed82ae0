"""Whether a text is about another: a word or number in common, in the same language.

A small model asked for copy about one thing sometimes writes fluent, well-formed copy about
something else (headlines about "mergers in tech" for a story on unemployment; ad copy about
"Bangkok, Thailand" for running shoes). Copy that shares no word with its brief is about
something else; the checks that use this decide what a word in common must be found in.

Words compare loosely, so that copy may inflect and abbreviate: words of four letters or more,
case-folded, that are equal or where one begins with the other ("fall" and "falls", "Radweg"
and "Radwege"); numbers by what they may mean ("3.9" = "3,9", not "3"; ``aigc_core.numbers``).
Words under four letters ("the", "tax", "new") say too little to count. A good paraphrase
without a word of its brief ("Jobless rate hits 16-year low") shares none: a check built on
this flags it too.

>>> shares_a_word("Jobless total falls again", "Unemployment falls to 3.9% in March")
True
>>> shares_a_word("Bangkok, Thailand", "TrailRunner 5 shoes: 20% off, grippy sole")
False
>>> written_in("Unemployment falls to 3.9% in March", "en"), written_in("solar panels", "en")
(True, False)
"""

from __future__ import annotations

import math
import re

from . import numbers

#: Letters of the shortest word that counts.
MIN_LETTERS = 4
#: How sure the language identifier must be, for ``written_in``.
MIN_PROBABILITY = 0.5

_TERM = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}|\d+(?:[.,]\d+)*")
#: Scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f\uac00-\ud7af]")


def terms(text: str) -> list[str]:
    """The words (of ``MIN_LETTERS`` letters or more, case-folded) and numbers of ``text``, in
    order, each once."""
    return list(dict.fromkeys(term.casefold() for term in _TERM.findall(text)))


def shares_a_word(text: str, other: str) -> bool | None:
    """Whether ``text`` has a word or number of ``other``; None where that cannot be judged:
    either is written without spaces between words (Chinese, Japanese, Thai), or has no word
    that counts."""
    if _UNSPACED.search(text) or _UNSPACED.search(other):
        return None
    own, theirs = terms(text), terms(other)
    if not own or not theirs:
        return None
    return any(_same(word, term) for word in own for term in theirs)


def written_in(text: str, tag: str) -> bool:
    """Whether ``text`` is surely in the language ``tag`` (BCP 47): py3langid gives it at least
    ``MIN_PROBABILITY``. Short texts are seldom sure ("solar panels" reads as Javanese)."""
    # Imported on first use: py3langid imports numpy, which a process that only submits jobs
    # never needs.
    import py3langid

    ranked = py3langid.rank(text)
    best = ranked[0][1]
    weights = {code: math.exp(score - best) for code, score in ranked}
    wanted = tag.split("-", 1)[0].lower()
    return weights.get(wanted, 0.0) / sum(weights.values()) >= MIN_PROBABILITY


def _same(a: str, b: str) -> bool:
    if a[0].isdigit() or b[0].isdigit():
        return a[0].isdigit() and b[0].isdigit() and numbers.same(a, b)
    return a.startswith(b) or b.startswith(a)
