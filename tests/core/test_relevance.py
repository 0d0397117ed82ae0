"""Whether a text is about another (``aigc_core.relevance``)."""

from __future__ import annotations

import pytest

from aigc_core.relevance import shares_a_word, terms, written_in


@pytest.mark.parametrize(("text", "other"), [
    ("Jobless total falls again", "Unemployment falls to 3.9%"),     # "fall" in "falls"
    ("45 km neuer Radweg", "Freiburg baut neue Radwege"),             # "Radweg" in "Radwege"
    ("Quote bei 3,9 Prozent", "Arbeitslosigkeit sinkt auf 3.9%"),     # a number, as written there
])
def test_a_word_or_number_in_common(text, other):
    assert shares_a_word(text, other) is True


@pytest.mark.parametrize(("text", "other"), [
    ("Mergers and surprises in tech", "Unemployment falls to 3.9%"),
    ("Profits at 3 firms rose by 200", "Unemployment falls to 3.9% since 2008"),  # whole numbers
])
def test_none_in_common(text, other):
    assert shares_a_word(text, other) is False


def test_what_cannot_be_judged_is_none():
    assert shares_a_word("坪山到大运只需25分钟", "深圳地铁16号线二期开通") is None
    assert shares_a_word("Taxes rise", "Tax") is None
    assert shares_a_word("The new tax", "The old tax") is None  # words under four letters
    assert terms("The 3.9% rate falls, falls again") == ["3.9", "rate", "falls", "again"]


def test_written_in_needs_a_sure_guess():
    assert written_in("Stadt baut neue Radwege", "de-DE")
    assert not written_in("Stadt baut neue Radwege", "en")
    assert not written_in("solar panels", "en")             # too short to be sure
