"""``aigc_core.testing``: what plugin authors test their generators with."""

from __future__ import annotations

import types

import pytest
from pydantic import BaseModel, ConfigDict, Field

from aigc_core import Generator, InvalidInput, Problem, hookimpl, schemas
from aigc_core.errors import BackendError
from aigc_core.testing import (
    ScriptedBackend,
    assert_grammar,
    run_generator,
    scripted,
    scripted_engine,
)


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(min_length=1)


class Title(BaseModel):
    title: str


def mentions_topic(output: Title, data: Topic) -> list[Problem]:
    if data.topic not in output.title:
        return [Problem(field="title", message=f"must mention {data.topic!r}")]
    return []


TITLE = Generator(
    name="kit.title", description="A title.", input_model=Topic, output_model=Title,
    prompt="kit/title.j2", template_sources={"kit/title.j2": "A title about {{ topic }}."},
    validators=(mentions_topic,),
)


def test_a_generator_runs_on_the_given_answers():
    result = run_generator(TITLE, {"topic": "tides"}, ['{"title": "On tides"}'])
    assert result.ok and result.output == {"title": "On tides"}
    (request,) = ScriptedBackend.requests
    assert request.messages[-1].content == "A title about tides."


def test_an_answer_with_problems_is_repaired_and_kept():
    result = run_generator(TITLE, {"topic": "tides"},
                           ['{"title": "On the sea"}', '{"title": "On tides"}'])
    assert result.ok and result.provenance.attempts == 2
    assert result.provenance.rejected_answers == ['{"title": "On the sea"}']


def test_running_out_of_answers_fails_the_job_and_no_answer_outlives_it():
    result = run_generator(TITLE, {"topic": "tides"}, ['{"title": "On the sea"}'],
                           defaults={"max_repairs": 0})
    assert not result.ok and [str(p) for p in result.problems] == [
        "title: must mention 'tides'"]
    result = run_generator(TITLE, {"topic": "tides"},
                           [BackendError("overloaded"), '{"title": "unused"}'])
    assert result.error is not None and result.error.kind == "model"
    assert ScriptedBackend.script == []


def test_a_bad_input_raises_before_any_answer_is_used():
    scripted([])
    with pytest.raises(InvalidInput) as error:
        run_generator(TITLE, {"topic": "", "tpoic": "x"}, ['{"title": "x"}'])
    assert {p.field for p in error.value.problems} == {"input.topic", "input.tpoic"}
    assert ScriptedBackend.requests == []


def test_a_generator_is_found_by_name_in_plugin_modules():
    plugin = types.ModuleType("kit_plugin")
    plugin.register_generators = hookimpl(lambda register: register(TITLE))
    result = run_generator("kit.title", {"topic": "tides"}, ['{"title": "On tides"}'],
                           plugins={"kit": plugin})
    assert result.ok and result.provenance.plugin == "kit"


def test_an_engine_on_scripted_answers_takes_hooks_and_settings():
    def prepare_messages(context):
        context.messages[-1].content += " Short."

    engine = scripted_engine(TITLE, hooks={"prepare_messages": prepare_messages},
                             plugin_settings={"kit": {"tone": "dry"}})
    (messages,) = engine.render(engine.make_job("kit.title", {"topic": "tides"}))
    assert messages[-1].content == "A title about tides. Short."
    assert engine.settings.plugin_settings == {"kit": {"tone": "dry"}}


def test_assert_grammar_checks_what_the_grammar_allows():
    pytest.importorskip("llama_cpp")
    schema = schemas.obj(stars=schemas.integer(1, 5))
    assert_grammar(schema, accepts=['{"stars": 5}'], rejects=['{"stars": 6}', '{"stars": 0}'])
    with pytest.raises(AssertionError, match="the grammar refuses"):
        assert_grammar(schema, accepts=['{"stars": 6}'])
    with pytest.raises(AssertionError, match="the grammar allows"):
        assert_grammar(schema, rejects=['{"stars": 5}'])
    # llama.cpp drops `maximum`: the very gap schemas.integer closes.
    with pytest.raises(AssertionError, match="the grammar allows"):
        assert_grammar(schemas.obj(stars={"type": "integer", "minimum": 1, "maximum": 5}),
                       rejects=['{"stars": 6}'])
