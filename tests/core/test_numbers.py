"""Reading numbers as any language writes them (``aigc_core.numbers``)."""

from __future__ import annotations

import pytest

from aigc_core.numbers import numbers, same, values


@pytest.mark.parametrize(("a", "b"), [
    ("1,200", "1 200"), ("1,200", "1.200"), ("1,200", "1\u202f200"), ("1'200", "1200"),
    ("3.5", "3,5"), ("1,234,567.89", "1.234.567,89"), ("09", "9"), ("1.50", "1,5"),
    ("2.5.1", "2.5.1"),
])
def test_one_number_written_two_ways(a, b):
    assert same(a, b)


@pytest.mark.parametrize(("a", "b"), [("3.5", "35"), ("1 200", "1.2"), ("1,5", "15"),
                                      ("2.5.1", "2.5.2"), ("12", "21")])
def test_two_numbers(a, b):
    assert not same(a, b)


def test_spaces_group_thousands_only_before_three_digits():
    assert [n.written for n in numbers("at 9 10 people, in 2025 300 came, 1 200 000 in all")] \
        == ["9", "10", "2025", "300", "1 200 000"]
    assert values("1 200 000") == {"1200000"}


def test_a_texts_values_are_what_its_numbers_may_mean():
    assert values("20% off 1,299 kr until 31.05") == {"20", "1299", "1.299", "31.05"}
    assert values("no digits") == frozenset()
