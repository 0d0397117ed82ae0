"""Glossary terms: which occur in a source, and whether their required translation is used."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from aigc_core import Problem

from . import masking
from .formats import Unit
from .masking import Finder


def occurs(term: str, text: str) -> bool:
    """Whole-word, case-insensitive: "sign in" is in "Sign in now", not in "signing"."""
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE) is not None


def _required(glossary: Mapping[str, str], unit: Unit,
              finders: Sequence[Finder]) -> Iterator[tuple[str, str]]:
    """The (term, translation) pairs a unit must honour: terms in its words, not inside a
    protected span (the term "name" does not occur in "{name}")."""
    words = masking.words(unit.source, finders)
    return ((term, target) for term, target in glossary.items() if occurs(term, words))


def applied(glossary: Mapping[str, str], units: Iterable[Unit],
            finders: Sequence[Finder]) -> list[str]:
    """Terms required somewhere whose translation is used there."""
    found = {term for unit in units for term, target in _required(glossary, unit, finders)
             if occurs(target, unit.translation)}
    return [term for term in glossary if term in found]


def problems(glossary: Mapping[str, str], units: Iterable[Unit],
             finders: Sequence[Finder]) -> list[Problem]:
    """A problem for each unit where a term occurs and its required translation does not."""
    return [
        Problem(field=unit.field, code="glossary",
                message=f"must translate {term!r} as {target!r} (glossary); it does not appear")
        for unit in units for term, target in _required(glossary, unit, finders)
        if not occurs(target, unit.translation)
    ]
