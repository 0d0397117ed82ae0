"""Regular expressions that match exactly the numerals of a range of numbers.

llama.cpp turns a string ``pattern`` into its grammar but ignores ``minimum`` and ``maximum``,
so ``aigc_core.schemas`` bounds a wide range of numbers with a pattern built here.

>>> numeral_pattern(-5, 120)
'^(-[1-5]|[0-9]|[1-9][0-9]|1[0-1][0-9]|120)$'
>>> numeral_pattern(5, 250, decimals=2)      # 0.05 to 2.50, always two decimals
'^(0[.]0[5-9]|0[.][1-9][0-9]|1[.][0-9][0-9]|2[.][0-4][0-9]|2[.]50)$'
"""

from __future__ import annotations


def numeral_pattern(low: int, high: int, *, decimals: int = 0) -> str:
    """A regex for the numbers ``low / 10**decimals`` to ``high / 10**decimals``, each written
    with exactly ``decimals`` digits after the point, without leading zeros or ``-0``."""
    if low > high:
        raise ValueError(f"empty range: {low} > {high}")
    alternatives = []
    if low < 0:  # "-0" is not a numeral: negative magnitudes start at 1
        alternatives += ["-" + _with_point(digits, decimals)
                         for digits in _numerals(max(-high, 1), -low, decimals + 1)]
    if high >= 0:
        alternatives += [_with_point(digits, decimals)
                         for digits in _numerals(max(low, 0), high, decimals + 1)]
    return f"^({'|'.join(alternatives)})$"


def _with_point(digits: list[str], decimals: int) -> str:
    if not decimals:
        return "".join(digits)
    return "".join(digits[:-decimals]) + "[.]" + "".join(digits[-decimals:])


def _numerals(low: int, high: int, width: int) -> list[list[str]]:
    """Digit classes, one list per alternative, matching ``low``..``high`` (both >= 0) written
    with at least ``width`` digits: zero-padded to ``width``, else without leading zeros."""
    out: list[list[str]] = []
    length = width
    while low <= high:
        top = min(high, 10**length - 1)  # the largest number written with `length` digits
        if low <= top:
            out += _same_length(str(low).zfill(length), str(top).zfill(length))
            low = top + 1
        length += 1
    return out


def _same_length(low: str, high: str) -> list[list[str]]:
    """Digit classes matching the numerals from ``low`` to ``high``, both of the same length."""
    if not low:
        return [[]]
    if low[0] == high[0]:
        return [[low[0], *rest] for rest in _same_length(low[1:], high[1:])]
    tail = len(low) - 1
    first, last = int(low[0]), int(high[0])
    head: list[list[str]] = []
    end: list[list[str]] = []
    if low[1:] != "0" * tail:  # low's leading digit covers only part of its tail
        head = [[low[0], *rest] for rest in _same_length(low[1:], "9" * tail)]
        first += 1
    if high[1:] != "9" * tail:
        end = [[high[0], *rest] for rest in _same_length("0" * tail, high[1:])]
        last -= 1
    middle = [[_digit_class(first, last), *["[0-9]"] * tail]] if first <= last else []
    return head + middle + end


def _digit_class(first: int, last: int) -> str:
    return str(first) if first == last else f"[{first}-{last}]"
