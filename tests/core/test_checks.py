"""The reusable checks plugins build their validators from."""

from __future__ import annotations

import pytest

from aigc_core.checks import written_in_words


@pytest.mark.parametrize("text", [
    "Save 20% on solar panels",
    "Solar 2025: 1,200 homes",        # numbers among words
    "H2O",                            # a formula: letters still half of it
    "Fotosíntesis en las plantas",
    "光合作用は植物で起こる",            # no spaces: letters all the same
])
def test_words_are_prose(text):
    assert written_in_words("f", text) == []


@pytest.mark.parametrize(("text", "why"), [
    ("1.1.1.1", "not written in words"),
    ("12 / 34 - 56", "not written in words"),
    ("a", "not written in words"),     # fewer than two letters
    ("bloom_level", "looks like a field name"),
    ("What is bloom_level here", "looks like a field name"),
])
def test_numbers_codes_and_keys_are_not_prose(text, why):
    [problem] = written_in_words("questions[0].question", text)
    assert (problem.field, problem.code) == ("questions[0].question", "not_prose")
    assert why in problem.message and repr(text) in problem.message


def test_the_fewest_letters_are_the_caller_s():
    assert written_in_words("f", "Why?", 5) != [] and written_in_words("f", "Why so?", 5) == []
