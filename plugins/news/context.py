"""Numbers in context: a number in the output must be used for what the input gives it for.

Grounding by value lets ``12%`` through wherever the input holds a 12, and a small model
attaches the input's numbers to claims they do not support: "cut our carbon footprint by 12%
each year for the next 3 years", where 12% is the farm's share of the town's electricity and 3
is the day of "3 March". So each number of the input is kept as a ``Use``: its values and the
words that say what it counts (a figure's label and unit; the words around it in a sentence),
and a number in the output must have one of those words near it.

Words are compared by a crude stem (``supplies`` = ``supply``, ``homes`` = ``home``) without
the English words that say nothing about what a number counts (``the``, ``will``) or only
what kind of amount it is (``%``, ``euros``: a share or a sum must still say of what); other
languages keep all their words, which only makes the check more lenient.

>>> use = labelled("12%", [(0, 2, frozenset({Decimal(12)}))], "share of the town's electricity")
>>> sorted(use[0].keys), use[0].unit
(['elect', 'share', 'town'], 'percent')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

#: Content words looked at on each side of a number. Three reach "12% of the town's
#: electricity" and "the farm cost 4.5 million euros" but not the subject of a long clause
#: ("the project will cut energy bills by 4.5m" does not reach "project").
WINDOW_WORDS = 3

#: A number as a span of its text and the values it may stand for.
Number = tuple[int, int, frozenset[Decimal]]

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|[%€$£¥]")
_SYMBOLS = {"%": "percent", "€": "euro", "$": "dollar", "£": "pound", "¥": "yen"}
#: A sentence ends at a full stop, question or exclamation mark or semicolon followed by space
#: (not the point of "4.5"), or a line break: what describes a number is in its own sentence.
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n")
#: The unit written right after a number: "1,200 homes", "12%", "4.5 million euros" (the
#: scale is part of the number).
_UNIT = re.compile(r"\s?([^\W\d_]+|[%€$£¥])")

#: English words that do not say what a number counts: function words, hedges, scales.
_WEAK = frozenset({
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "into", "onto", "than", "then", "so", "such", "is", "are", "was", "were", "be",
    "been", "being", "am", "it", "its", "this", "that", "these", "those", "there", "here", "which",
    "who", "whom", "whose", "what", "when", "where", "how", "will", "would", "can", "could", "may",
    "might", "shall", "should", "must", "has", "have", "had", "do", "does", "did", "not", "no",
    "yes", "all", "any", "both", "each", "every", "some", "most", "more", "less", "few", "many",
    "much", "very", "also", "just", "only", "even", "about", "around", "roughly", "nearly",
    "almost", "approximately", "over", "under", "above", "below", "up", "down", "out", "off",
    "our", "their", "his", "her", "my", "your", "we", "they", "he", "she", "them", "us", "him",
    "me", "you", "i", "say", "says", "said", "per", "cent", "thousand", "million", "billion",
    "trillion", "bn", "mn", "tn", "k", "m", "b",
})
#: Units that say what kind of amount a number is but not which: a share or a sum of money
#: must still say of what ("12%" of the town's electricity, 4.5 million euros of cost). They
#: are units (a number written with one must have that unit in the input) but not words
#: that place it.
_MEASURES = frozenset({
    "percent", "percentage", "euro", "euros", "dollar", "dollars", "pound", "pounds", "yen",
    "eur", "usd", "gbp",
})
_NOT_CONTENT = _WEAK | _MEASURES


@dataclass(frozen=True)
class Use:
    """One number of the input and what it counts."""

    values: frozenset[Decimal]
    #: Stems of the words that say what it counts; empty when the input gives none nearby
    #: (then any use of the number passes: there is nothing to hold it to).
    keys: frozenset[str]
    #: Stem of the unit written right after it ("home", "percent"), or "".
    unit: str
    #: How the input puts it, for messages: "share of the town's electricity: 12%".
    said: str


def stem(word: str) -> str:
    """A crude stem: ``Supplies`` -> ``suppl``, ``town's`` -> ``town``, ``%`` -> ``percent``."""
    word = _SYMBOLS.get(word, word.casefold())
    word = re.sub(r"['’]s?$", "", word)
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word if word in _SYMBOLS.values() else word[:5]


def _content(text: str) -> list[str]:
    """The stems of the words of a text that may say what a number counts, in order."""
    return [stem(token) for token in _TOKEN.findall(text)
            if _SYMBOLS.get(token, token.casefold()) not in _NOT_CONTENT]


def unit_after(text: str, end: int) -> str:
    """The stem of the word or sign right after position ``end``, unless a weak word."""
    match = _UNIT.match(text, end)
    if not match or _SYMBOLS.get(match[1], match[1].casefold()) in _WEAK:
        return ""
    return stem(match[1])


def _bounds(text: str, numbers: Sequence[Number], index: int) -> tuple[int, int]:
    """Where the words about number ``index`` may be: its sentence, not past a neighbouring
    number, nor the unit that belongs to the number before it ("1,200 homes and 12%")."""
    start, end, _ = numbers[index]
    low = 0
    if index:
        previous = numbers[index - 1][1]
        unit = _UNIT.match(text, previous)
        low = unit.end() if unit else previous
    high = numbers[index + 1][0] if index + 1 < len(numbers) else len(text)
    ends = list(_SENTENCE_END.finditer(text, low, start))
    low = ends[-1].end() if ends else low
    after = _SENTENCE_END.search(text, end, high)
    return low, after.start() if after else high


def window(text: str, numbers: Sequence[Number], index: int) -> tuple[frozenset[str], str]:
    """The stems near number ``index`` of ``text`` (``numbers`` in text order), and the
    stretch of text they come from."""
    start, end, _ = numbers[index]
    low, high = _bounds(text, numbers, index)
    before = list(_TOKEN.finditer(text, low, start))
    after = list(_TOKEN.finditer(text, end, high))
    kept_before = _last_content(before, WINDOW_WORDS)
    kept_after = _first_content(after, WINDOW_WORDS)
    first = kept_before[0].start() if kept_before else start
    last = kept_after[-1].end() if kept_after else end
    stems = frozenset(_content(" ".join(m[0] for m in (*kept_before, *kept_after))))
    return stems, " ".join(text[first:last].split())


def _last_content(tokens: list[re.Match[str]], count: int) -> list[re.Match[str]]:
    """The tokens from the ``count``-th last content word on."""
    return _first_content(tokens[::-1], count)[::-1]


def _first_content(tokens: list[re.Match[str]], count: int) -> list[re.Match[str]]:
    """The tokens up to the ``count``-th content word."""
    kept: list[re.Match[str]] = []
    for token in tokens:
        if count == 0:
            break
        kept.append(token)
        count -= bool(_content(token[0]))
    return kept


def in_text(text: str, numbers: Sequence[Number]) -> list[Use]:
    """The uses of the numbers of one input text, each with the words around it."""
    uses = []
    for index, (_, end, values) in enumerate(numbers):
        keys, said = window(text, numbers, index)
        uses.append(Use(values, keys, unit_after(text, end), said))
    return uses


def labelled(amount: str, numbers: Sequence[Number], label: str) -> list[Use]:
    """The uses of a figure's numbers (``amount``, e.g. "12%") with its label's words."""
    extra = frozenset(_content(label))
    return [Use(use.values, use.keys | extra, use.unit, f"{label}: {amount}")
            for use in in_text(amount, numbers)]


def fits(use: Use, keys: frozenset[str], unit: str, units: frozenset[str]) -> bool:
    """Whether a number written with ``keys`` nearby and ``unit`` after it may be ``use``:
    one of its words is near (or it has none), and the unit, if it is a unit of some number
    of the input (``units``), is its own."""
    if unit in units and unit != use.unit and unit not in use.keys:
        return False
    return not use.keys or bool(keys & use.keys)


def units_of(uses: Iterable[Use]) -> frozenset[str]:
    return frozenset(use.unit for use in uses if use.unit)
