"""``aigc_core.schemas``: the parts of per-input output schemas."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import BaseModel, ValidationError

from aigc_core import schemas


def json_text(value: str) -> str:
    """How a string appears inside a JSON document, which llama.cpp matches patterns against."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def test_a_line_keeps_control_characters_out_and_lets_quotes_be_escaped():
    pattern = re.compile(schemas.line(3, 40)["pattern"])
    for ok in ('Say "cheese", please', "a\\\\b", "Ünïcode ✓ 中文"):
        assert pattern.fullmatch(json_text(ok)), ok
    for bad in ("two\nlines", "tab\there", 'raw " quote', "ab", "x" * 41):
        assert not pattern.fullmatch(bad), bad


def test_a_line_can_exclude_more_characters():
    pattern = re.compile(schemas.line(1, 20, exclude="0123456789<>")["pattern"])
    assert pattern.fullmatch("no digits here")
    assert not pattern.fullmatch("room 101") and not pattern.fullmatch("<b>")


def test_excluded_characters_are_characters_not_a_regex():
    pattern = re.compile(schemas.line(1, 20, exclude="0-9^]\\[")["pattern"])
    assert pattern.fullmatch("room 5")  # "0-9" names three characters, not a range
    for bad in ("room 0", "room 9", "a-b", "a^b", "a]b", "a[b"):
        assert not pattern.fullmatch(bad), bad


def test_objects_arrays_and_choices():
    item = schemas.obj(name=schemas.line(1, 10), level=schemas.choice(["low", "high"]))
    assert item["required"] == ["name", "level"] and item["additionalProperties"] is False
    assert schemas.array(item, 2, 2) == {"type": "array", "items": item, "minItems": 2,
                                         "maxItems": 2}
    assert schemas.choice(range(3)) == {"enum": [0, 1, 2]}
    assert schemas.one_of(item) is item
    assert schemas.one_of(item, {"type": "boolean"}) == {"anyOf": [item, {"type": "boolean"}]}


@pytest.mark.parametrize(("ge", "le", "decimals"), [
    (1, 5, 0), (-5, 120, 0), (1900, 2100, 0), (0, 100_000, 0), (-1234, -7, 0),
    (0, 5, 1), (0, 100, 2), (-2.5, 7.25, 2), (0.05, 3, 3),
])
def test_numbers_allow_exactly_their_range(ge, le, decimals):
    schema = (schemas.integer(ge, le) if decimals == 0
              else schemas.number(ge, le, decimals=decimals))
    scale = 10**decimals
    low, high = round(ge * scale), round(le * scale)
    if "enum" in schema:  # a small range: every value, as JSON numbers
        assert high - low < schemas.ENUM_LIMIT and schema["type"] in ("integer", "number")
        assert [round(v * scale) for v in schema["enum"]] == list(range(low, high + 1))
        return
    assert high - low >= schemas.ENUM_LIMIT and schema["type"] == "string"
    pattern = re.compile(schema["pattern"])
    for units in range(low - 50 * scale, high + 50 * scale, max(1, (high - low) // 2000)):
        text = f"{units / scale:.{decimals}f}" if decimals else str(units)
        assert bool(pattern.fullmatch(text)) == (low <= units <= high), text
    for units in (low, high):
        assert pattern.fullmatch(f"{units / scale:.{decimals}f}")
    for bad in ("-0", "007", "1e3", "+1", " 1", ""):
        assert not pattern.fullmatch(bad), bad


def test_an_empty_range_is_an_error():
    with pytest.raises(ValueError, match="no number with 1 decimal"):
        schemas.number(0.21, 0.29, decimals=1)


class Review(BaseModel):
    stars: int = schemas.integer_field(1, 5, description="1 (poor) to 5 (excellent)")
    year: int = schemas.integer_field(1900, 2100)
    score: float = schemas.number_field(0, 10, decimals=1)


def test_fields_carry_the_grammar_schema_and_validate_the_bounds():
    properties = Review.model_json_schema()["properties"]
    assert properties["stars"] == {**schemas.integer(1, 5), "title": "Stars",
                                   "description": "1 (poor) to 5 (excellent)"}
    assert properties["year"] == {**schemas.integer(1900, 2100), "title": "Year"}
    assert properties["score"] == {**schemas.number(0, 10), "title": "Score"}
    # A wide range is decoded as a string of digits; the model reads it as the number.
    review = Review.model_validate({"stars": 5, "year": "2001", "score": 7.5})
    assert review.model_dump(mode="json") == {"stars": 5, "year": 2001, "score": 7.5}
    with pytest.raises(ValidationError) as error:
        Review.model_validate({"stars": 6, "year": "1899", "score": 10.5})
    assert [e["loc"][0] for e in error.value.errors()] == ["stars", "year", "score"]


def test_llama_cpp_keeps_the_bounds():
    pytest.importorskip("llama_cpp")
    from aigc_core.testing import assert_grammar

    assert_grammar(Review.model_json_schema(),
                   accepts=['{"stars": 5, "year": "2100", "score": 0.0}'],
                   rejects=['{"stars": 6, "year": "2100", "score": 0.0}',
                            '{"stars": 1, "year": "2101", "score": 0.0}',
                            '{"stars": 1, "year": 2000, "score": 0.0}',
                            '{"stars": 1, "year": "2000", "score": 10.1}'])
    assert_grammar(schemas.obj(n=schemas.number(-2.5, 1000, decimals=2)),
                   accepts=['{"n": "-2.50"}', '{"n": "999.99"}', '{"n": "1000.00"}'],
                   rejects=['{"n": "-2.51"}', '{"n": "1000.01"}', '{"n": "5.5"}'])
    assert_grammar(schemas.obj(text=schemas.line(1, 20, exclude="-^]\\[")),
                   accepts=['{"text": "a b"}', '{"text": "say \\"hi\\""}'],
                   rejects=['{"text": "a-b"}', '{"text": "a^b"}', '{"text": "a]b"}'])
