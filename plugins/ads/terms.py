"""Finding terms in ad text: word-boundary aware for Latin script, plain for CJK.

Text is NFKC-normalised first so full-width forms ("ＢＥＳＴ", "！") match their ASCII terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_ALNUM = re.compile(r"[A-Za-z0-9]")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def literal_pattern(term: str) -> re.Pattern[str]:
    """A case-insensitive pattern for ``term`` as a whole word where its ends are Latin
    letters or digits ("ban" must not hit "banner"), and anywhere in CJK text, which has no
    spaces between words. Runs of spaces in the term match any whitespace."""
    term = fold(term).strip()
    body = r"\s+".join(re.escape(part) for part in term.split())
    head = r"(?<![A-Za-z0-9])" if _ALNUM.match(term[:1]) else ""
    tail = r"(?![A-Za-z0-9])" if _ALNUM.match(term[-1:]) else ""
    return re.compile(head + body + tail, re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    term: str
    found: str
    start: int
    end: int


def spans_of(names: Iterable[str], text: str) -> list[tuple[int, int]]:
    """Where the given names (product, brand) occur in ``fold(text)``."""
    folded = fold(text)
    return [
        (m.start(), m.end())
        for name in names if name.strip()
        for m in literal_pattern(name).finditer(folded)
    ]


def find_all(patterns: Iterable[tuple[str, re.Pattern[str]]], text: str,
             exempt: Sequence[tuple[int, int]] = ()) -> list[Match]:
    """Every ``(term, pattern)`` hit in ``fold(text)`` outside the ``exempt`` spans. Where hits
    overlap only the longest is kept, so "全网第一" is reported once, not also as "第一"."""
    folded = fold(text)
    hits = [
        Match(term, m.group(0), m.start(), m.end())
        for term, pattern in patterns
        for m in pattern.finditer(folded)
        if not any(s <= m.start() and m.end() <= e for s, e in exempt)
    ]
    hits.sort(key=lambda h: (h.start, h.start - h.end))
    kept: list[Match] = []
    for hit in hits:
        if not any(k.start <= hit.start and hit.end <= k.end for k in kept):
            kept.append(hit)
    return kept
