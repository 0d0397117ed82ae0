"""The reusable checks plugins build their validators from."""

from __future__ import annotations

import itertools

import pytest

from aigc_core.checks import edit_distance, written_in_words


def _levenshtein(a: str, b: str) -> int:
    """The textbook full table, to compare the banded one with."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def test_edit_distance_is_levenshtein_up_to_its_limit():
    """Every pair of strings of up to five letters from a three-letter alphabet."""
    texts = ["".join(letters) for size in range(6)
             for letters in itertools.product("abc", repeat=size)]
    for a, b in itertools.product(texts[::7], texts[::5]):
        distance = _levenshtein(a, b)
        for limit in range(4):
            assert edit_distance(a, b, limit) == min(distance, limit + 1), (a, b, limit)
    assert edit_distance("Shenzshan", "Shenzhen", 2) == 2
    assert edit_distance("Müller", "Muller", 0) == 1


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
