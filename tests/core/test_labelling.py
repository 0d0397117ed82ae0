"""The AI-label contract: one writer (the labels plugin), many readers (exporters, the CLI)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from aigc_core.errors import AigcError
from aigc_core.labelling import ExplicitLabel, attach, embed, explicit_label, place, unembed


def labelled(**explicit: Any) -> SimpleNamespace:
    return SimpleNamespace(metadata={"ai_label": {"explicit": explicit}})


def test_attach_writes_what_explicit_label_reads():
    result = SimpleNamespace(metadata={})
    label = ExplicitLabel(text="[AI-generated]", position="end", language="en")
    attach(result, label, {"Label": "1"})
    assert result.metadata == {"ai_label": {
        "explicit": {"text": "[AI-generated]", "position": "end", "language": "en",
                     "embedded": False, "separator": "\n\n"},
        "implicit": {"Label": "1"}}}
    assert explicit_label(result) == label


def test_an_unlabelled_result_has_no_label():
    assert explicit_label(SimpleNamespace(metadata={})) is None
    assert explicit_label(SimpleNamespace(metadata={"ai_label": {}})) is None
    assert explicit_label(object()) is None


def test_a_minimal_label_from_another_version_is_read():
    label = explicit_label(labelled(text="AI", position="start", extra="kept out"))
    assert (label.text, label.position, label.embedded) == ("AI", "start", False)


def test_a_malformed_label_is_an_error_not_a_lost_label():
    with pytest.raises(AigcError, match=r"ai_label.explicit is malformed \(position: "):
        explicit_label(labelled(text="AI", position="middle"))


@pytest.mark.parametrize(("position", "expected"), [
    ("start", ["AI", "", "a", "b"]), ("end", ["a", "b", "", "AI"]),
])
def test_place_puts_the_label_where_its_position_says(position, expected):
    label = ExplicitLabel(text="AI", position=position)
    assert place(["a", "b"], ["AI"], label, gap=[""]) == expected


def test_place_leaves_the_body_alone_without_a_label_or_with_an_embedded_one():
    assert place(["a"], [], None) == ["a"]
    embedded = ExplicitLabel(text="AI", position="start", embedded=True)
    assert place(["AI\n\na"], ["AI"], embedded) == ["AI\n\na"]


@pytest.mark.parametrize(("position", "separator", "text"), [
    ("start", "\n\n", "AI\n\nTides."), ("end", " ", "Tides. AI"),
])
def test_embed_and_unembed_are_inverse(position, separator, text):
    label = ExplicitLabel(text="AI", position=position, separator=separator)
    assert embed("Tides.", label) == text
    assert unembed(text, label) == "Tides."
    assert unembed("Tides.", label) == "Tides."  # nothing to take away


def test_lines_and_one_line_drop_blank_lines_and_spaces():
    label = ExplicitLabel(text=" [AI-generated] \n\n by aigc ", position="start")
    assert label.lines == ["[AI-generated]", "by aigc"]
    assert label.one_line == "[AI-generated] by aigc"
