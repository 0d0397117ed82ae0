"""Numbers kept: a translation must carry every number of its source.

A price, a time, an order number or a date changed in translation is worse than a clumsy
sentence: nobody re-reads the digits. Each number of the source (outside protected spans,
which ``protected_spans_kept`` checks) must be in the translation. Numbers compare by their
digits, so that each language's way of writing them passes: "1,200" = "1 200" = "1.200",
"3.5" = "3,5", "09:00" = "9:00".

What may change, and passes:

- a number of 0 to 10 that the translation spells out ("3 children" -> "trois enfants"):
  it may be missing, as long as the translation has no number the source lacks; a number
  missing *and* another one added is a number changed ("at 9" -> "à 10");
- the afternoon hours in 24-hour time: "9 pm" may be 21 ("21 h");
- numbers added ("24/7" -> "24 h/24, 7 j/7") when none is missing.

>>> missing("Your order #1042 ships in 3 days.", "Votre commande n° 1042 part sous trois jours.")
[]
>>> missing("Doors open at 9 pm.", "Ouverture des portes à 21 h.")
[]
>>> missing("It costs $1,200.", "Il coûte 1 500 $.")
['1,200']
>>> missing("The museum opens at 9.", "Le musée ouvre à 10 heures.")
['9']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from aigc_core import Problem

from . import languages, masking
from .formats import Unit
from .masking import Finder

#: The largest number a translation may spell out in words.
SPELLED_UP_TO = 10

#: A number: digit groups joined by a separator that thousands or decimals take.
_NUMBER = re.compile(r"(?<!\d)\d+(?:[.,'\u00a0\u202f ]\d+)*(?!\d)")
_GROUPS = re.compile(r"(\d+)([.,'\u00a0\u202f ]?)")
_SPACES = frozenset(" \u00a0\u202f'")
#: An hour before "pm", which may come back in 24-hour time.
_PM_HOUR = re.compile(r"(?<![\d:.])([1-9]|1[01])(?=(?::\d\d)?\s?(?:pm|p\.m\.)(?!\w))",
                      re.IGNORECASE)


def _values(written: str) -> frozenset[str]:
    """What a number may mean, as normalised decimals: "1,200" is 1200 or 1.2 (an English
    thousand, a French decimal), "1 200" only 1200, "3.5" only 3.5; digits as written where
    no reading fits ("2.5.1")."""
    groups = _GROUPS.findall(written)
    digits = [group for group, _ in groups]
    separators = [separator for _, separator in groups[:-1]]
    readings = set()
    if all(len(group) == 3 for group in digits[1:]):
        readings.add("".join(digits))
    if separators and separators[-1] not in _SPACES and \
            all(len(group) == 3 for group in digits[1:-1]):
        readings.add("".join(digits[:-1]) + "." + digits[-1])
    if not readings:
        return frozenset({"".join(digits)})
    return frozenset(format(Decimal(reading).normalize(), "f") for reading in readings)


def _numbers(text: str) -> list[tuple[str, frozenset[str]]]:
    """Each number of ``text`` as written, with what it may mean."""
    found = []
    for match in _NUMBER.finditer(text):
        for part in _spaced(match[0]):
            found.append((part, _values(part)))
    return found


def _spaced(written: str) -> list[str]:
    """A number split where a space does not group thousands: "1 200" is one number, "at 9
    10 people" and "in 2025 300 people" hold two."""
    parts: list[str] = []
    for piece in re.split(r"(?<=\d)[ \u00a0\u202f](?=\d)", written):
        head = re.match(r"\d+", parts[-1])[0] if parts else ""
        if parts and len(head) <= 3 and re.fullmatch(r"\d{3}(?:[.,]\d+)?", piece) and \
                re.fullmatch(r"[\d \u00a0\u202f]+", parts[-1]):
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    return parts


def missing(source: str, translation: str) -> list[str]:
    """The numbers of ``source`` (as it writes them) that ``translation`` does not carry."""
    kept = frozenset().union(*(values for _, values in _numbers(translation)))
    given = _numbers(source)
    # "9 pm" may come back as 21.
    kept |= {match[1] for match in _PM_HOUR.finditer(source) if str(int(match[1]) + 12) in kept}
    lost = [(written, values) for written, values in given if values.isdisjoint(kept)]
    meant = frozenset().union(*(values for _, values in given))
    afternoon = {str(int(match[1]) + 12) for match in _PM_HOUR.finditer(source)}
    if kept <= meant | afternoon:  # nothing added: a small number may be spelled out
        lost = [(written, values) for written, values in lost
                if not any(_small(value) for value in values)]
    return list(dict.fromkeys(written for written, _ in lost))


def _small(value: str) -> bool:
    return value.isdigit() and int(value) <= SPELLED_UP_TO


def problems(units: Iterable[Unit], finders: Sequence[Finder],
             target_language: str) -> list[Problem]:
    """A problem for each unit whose translation lacks a number of its source."""
    found = []
    for unit in units:
        lost = missing(masking.words(unit.source, finders),
                       masking.words(unit.translation, finders))
        if lost:
            shown = ", ".join(repr(number) for number in lost)
            found.append(Problem(
                field=unit.field, code="number_lost",
                message=f"lacks the source's {shown}; keep every number as the source has it, "
                        f"written as {languages.name(target_language)} writes numbers"))
    return found
