"""Figures from the brief: every number in the copy must be one the input gives.

An ad that says "50% off until June 30" when the offer is "20% off until May 31" is a false
offer, whatever its wording; "Over 10,000 happy runners" is a claim nobody substantiated. A
small model writes both readily, and the platform limits, editorial rules and compliance
presets let them through. So each number of each text (a price, a discount, a date, a count)
must be one of the numbers of the product, brand, audience, benefits, offer or call to action,
compared by what it may mean ("1,200" = "1 200", ``aigc_core.numbers``). A number the copy
needs ("free shipping over $50") belongs in the offer or the benefits.
"""

from __future__ import annotations

from functools import lru_cache

from aigc_core import Problem
from aigc_core.checks import quote
from aigc_core.numbers import numbers, values

from .checking import each_text
from .models import AdCopy, AdCopyInput


def figures_given(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    # Asked for every text of every candidate answer (finalize, then the validators): the
    # brief is read once.
    given = _given(data.brief())
    invented = [number.written for number in numbers(text) if number.values.isdisjoint(given)]
    if not invented:
        return []
    distinct = list(dict.fromkeys(invented))
    shown = ", ".join(quote(number) for number in distinct)
    verb = "is" if len(distinct) == 1 else "are"
    return [Problem(field=path, code="ungrounded_number",
                    message=f"{shown} {verb} not in the product, offer or benefits given; use "
                            "only their numbers (an invented price, discount or date is a false "
                            "offer), or none")]


@lru_cache(maxsize=64)
def _given(brief: str) -> frozenset[str]:
    return values(brief)


def check_figures(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, figures_given)
