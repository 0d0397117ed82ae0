"""``aigc_core.schemas``: the parts of per-input output schemas."""

from __future__ import annotations

import json
import re

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
    pattern = re.compile(schemas.line(1, 20, exclude="0-9<>")["pattern"])
    assert pattern.fullmatch("no digits here")
    assert not pattern.fullmatch("room 101") and not pattern.fullmatch("<b>")


def test_objects_arrays_and_choices():
    item = schemas.obj(name=schemas.line(1, 10), level=schemas.choice(["low", "high"]))
    assert item["required"] == ["name", "level"] and item["additionalProperties"] is False
    assert schemas.array(item, 2, 2) == {"type": "array", "items": item, "minItems": 2,
                                         "maxItems": 2}
    assert schemas.choice(range(3)) == {"enum": [0, 1, 2]}
    assert schemas.one_of(item) is item
    assert schemas.one_of(item, {"type": "boolean"}) == {"anyOf": [item, {"type": "boolean"}]}
