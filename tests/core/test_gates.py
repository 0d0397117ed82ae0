"""The gates framework: which fields are prose, exemptions, settings, and the engine's use."""

from __future__ import annotations

import json

import pytest

from aigc_core import Problem
from aigc_core.gates import GATES, GateExemption, GateSettings, GateView, prose_fields, run_gates
from aigc_core.gates.base import ProseField
from aigc_core.testing import scripted
from tests.support.demo import TAGLINE


def view(*fields: ProseField, settings: GateSettings | None = None) -> GateView:
    return GateView(fields=list(fields), prompt="", input_texts=[], language=None,
                    settings=settings or GateSettings())


@pytest.fixture
def shouting():
    """A gate registered for one test: every field in capitals is a problem."""
    def check(seen: GateView) -> list[Problem]:
        return [Problem(field=f.path, code="shouting", message="write in sentence case")
                for f in seen.fields if f.text.isupper()]

    GATES["shouting"] = check
    try:
        yield check
    finally:
        del GATES["shouting"]


def test_prose_fields_are_the_strings_written_in_words():
    output = {"title": "Tides", "slug": "tides-2026", "url": "https://example.org/a/b/c",
              "body": ["The tide rose at dawn.", "It fell by noon."],
              "quiz": [{"q": "Why do tides rise?", "n": 3}], "zh": "潮汐每天上涨两次"}
    assert [(f.path, f.text) for f in prose_fields(output)] == [
        ("body[0]", "The tide rose at dawn."), ("body[1]", "It fell by noon."),
        ("quiz[0].q", "Why do tides rise?"), ("zh", "潮汐每天上涨两次")]
    assert prose_fields("A plain text answer.") == [ProseField("", "A plain text answer.")]


def test_a_field_is_exempted_from_one_gate_by_pattern(shouting):
    fields = [ProseField("chorus", "LA LA LA LA"), ProseField("verses[2]", "LA LA LA LA"),
              ProseField("verses2", "LA LA LA LA")]
    exempt = (GateExemption("shouting", "verses[*]", "sung loud on purpose"),
              GateExemption("repetition", "chorus", "a refrain"))
    assert [p.field for p in run_gates(view(*fields), exempt)] == ["chorus", "verses2"]
    with pytest.raises(ValueError, match="needs a reason"):
        GateExemption("shouting", "chorus", " ")


def test_an_operator_turns_a_gate_off(shouting):
    field = ProseField("body", "ALL IN CAPITALS HERE")
    assert run_gates(view(field))
    assert not run_gates(view(field, settings=GateSettings(off=["shouting"])))


def test_the_engine_gates_every_output_and_repairs_what_fails(make_engine, shouting):
    engine = make_engine(TAGLINE)
    loud = json.dumps({"taglines": ["FRESH BREAD DAILY", "BAKED AT DAWN"]})
    calm = json.dumps({"taglines": ["Fresh bread daily", "Baked at dawn"]})
    scripted([loud, calm])
    result = engine.run(engine.make_job("demo.tagline", {"product": "bread"}))
    assert result.ok and result.provenance.attempts == 2
    assert result.provenance.rejected_answers == [loud]
    scripted([loud, loud, loud])
    failed = engine.run(engine.make_job("demo.tagline", {"product": "bread"}))
    assert failed.status == "failed"
    assert [(p.field, p.code) for p in failed.problems] == [
        ("taglines[0]", "shouting"), ("taglines[1]", "shouting")]
