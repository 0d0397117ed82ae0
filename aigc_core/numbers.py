"""Numbers as any language writes them, read for what each may mean.

A check that compares numbers across texts (a translation and its source, an ad and its
brief) must not care how a language groups thousands or marks decimals, yet must tell 3.5
from 35. Each number is read in every way its separators allow and kept as normalised
decimals: "1,200" may be 1200 (English) or 1.2 (French), "1 200" and "1.200.000" only whole
numbers, "3,5" only 3.5; digits as written where no reading fits ("2.5.1", a version).

>>> [(n.written, sorted(n.values)) for n in numbers("Save 20% on 1,200 shoes until 31.05.")]
[('20', ['20']), ('1,200', ['1.2', '1200']), ('31.05', ['31.05'])]
>>> same("1 200", "1.200") and same("3,5", "3.5") and not same("3.5", "35")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

#: A number: digit groups joined by a separator that thousands or decimals take.
_NUMBER = re.compile(r"(?<!\d)\d+(?:[.,'\u00a0\u202f ]\d+)*(?!\d)")
_GROUPS = re.compile(r"(\d+)([.,'\u00a0\u202f ]?)")
#: Separators that group thousands and never mark decimals.
_SPACES = frozenset(" \u00a0\u202f'")


@dataclass(frozen=True)
class Number:
    #: As the text writes it: "1,200".
    written: str
    #: What it may mean, as normalised decimals: {"1200", "1.2"}.
    values: frozenset[str]


def numbers(text: str) -> list[Number]:
    """Each number of ``text``, in order."""
    return [Number(part, _values(part)) for match in _NUMBER.finditer(text)
            for part in _spaced(match[0])]


def values(text: str) -> frozenset[str]:
    """Everything the numbers of ``text`` may mean."""
    return frozenset().union(*(number.values for number in numbers(text)))


def same(a: str, b: str) -> bool:
    """Whether two numbers as written may mean the same."""
    return not _values(a).isdisjoint(_values(b))


def _values(written: str) -> frozenset[str]:
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
