"""Numbers kept: a translation must carry every number of its source.

A price, a time, an order number or a date changed in translation is worse than a clumsy
sentence: nobody re-reads the digits. Each number of the source (outside protected spans,
which ``protected_spans_kept`` checks) must be in the translation. Numbers compare by what
they may mean (``aigc_core.numbers``), so that each language's way of writing them passes:
"1,200" = "1 200" = "1.200", "3.5" = "3,5", "09:00" = "9:00"; "3.5" is not "35".

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

from aigc_core import Problem
from aigc_core.numbers import numbers, values

from . import languages, masking
from .formats import Unit
from .masking import Finder

#: The largest number a translation may spell out in words.
SPELLED_UP_TO = 10

#: An hour before "pm", which may come back in 24-hour time.
_PM_HOUR = re.compile(r"(?<![\d:.])([1-9]|1[01])(?=(?::\d\d)?\s?(?:pm|p\.m\.)(?!\w))",
                      re.IGNORECASE)


def missing(source: str, translation: str) -> list[str]:
    """The numbers of ``source`` (as it writes them) that ``translation`` does not carry."""
    kept = values(translation)
    given = numbers(source)
    afternoon = {match[1]: str(int(match[1]) + 12) for match in _PM_HOUR.finditer(source)}
    # "9 pm" may come back as 21.
    kept |= {hour for hour, later in afternoon.items() if later in kept}
    lost = [number for number in given if number.values.isdisjoint(kept)]
    if kept <= values(source) | set(afternoon.values()):
        # Nothing added: a small number may be spelled out.
        lost = [number for number in lost if not any(map(_small, number.values))]
    return list(dict.fromkeys(number.written for number in lost))


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
