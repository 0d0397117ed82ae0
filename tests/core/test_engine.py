"""The engine's job lifecycle with a scripted backend: validation, repair loop, hooks."""

from __future__ import annotations

import json
import time

import pytest

from aigc_core import Engine, InvalidInput, Job, JobRejected, Problem
from aigc_core.config import load_settings
from aigc_core.deadline import Deadline
from aigc_core.errors import BackendError, UnknownGenerator, UnknownModel
from aigc_core.options import GenerationOptions
from aigc_core.testing import ScriptedBackend, scripted
from tests.support.demo import ECHO, TAGLINE

GOOD = json.dumps({"taglines": ["Fresh bread daily", "Baked at dawn"]})


def test_invalid_input_names_every_bad_field(make_engine):
    engine = make_engine(TAGLINE)
    with pytest.raises(InvalidInput) as info:
        engine.make_job("demo.tagline", {"product": "", "count": 9, "audeince": "kids"})
    fields = {p.field for p in info.value.problems}
    assert fields == {"input.product", "input.count", "input.audeince"}
    message = str(info.value)
    assert "input.count: Input should be less than or equal to 5 (got 9)" in message
    assert "aigc generators demo.tagline --json" in message


def test_unknown_model_is_refused_before_running(make_engine):
    engine = make_engine(TAGLINE)
    with pytest.raises(UnknownModel, match=r"no model named 'gpt'.*configured: default"):
        engine.make_job("demo.tagline", {"product": "bread"}, model="gpt")


def test_valid_first_answer_succeeds_with_provenance(make_engine):
    engine = make_engine(TAGLINE)
    scripted([GOOD])
    result = engine.run(engine.make_job("demo.tagline", {"product": "bread"}))
    assert result.ok, result
    assert result.output == {"taglines": ["Fresh bread daily", "Baked at dawn"]}
    prov = result.provenance
    assert (prov.generator, prov.plugin, prov.backend, prov.attempts) == (
        "demo.tagline", "test_plugin", "scripted", 1)
    assert [t.name for t in prov.templates] == ["demo/system.j2", "demo/tagline.j2"]
    assert prov.options.max_repairs == 2 and prov.usage.prompt_tokens == 10
    assert prov.finished_at is not None and prov.timings.total_ms > 0
    request = ScriptedBackend.requests[0]
    assert request.json_schema["properties"]["taglines"]["maxItems"] == 2  # tightened per input
    assert request.messages[1].content.startswith("Write 2 taglines for bread")


def test_repair_feeds_problems_back_without_touching_the_first_messages(make_engine):
    engine = make_engine(TAGLINE)
    scripted(["not json at all", json.dumps({"taglines": ["x" * 70, "ok"]}), GOOD])
    result = engine.run(engine.make_job("demo.tagline", {"product": "bread"}))
    assert result.ok and result.provenance.attempts == 3
    first, second, third = ScriptedBackend.requests
    assert len(first.messages) == 2
    # Each repair resends the original two messages, the bad answer, and the problems.
    assert second.messages[:2] == first.messages and third.messages[:2] == first.messages
    assert second.messages[2].content == "not json at all"
    assert "not valid JSON" in second.messages[3].content
    assert "taglines[0]: is 70 characters; at most 60 allowed" in third.messages[3].content
    assert len(third.messages) == 4  # the conversation does not grow without bound


def test_remaining_problems_fail_the_job_and_are_listed(make_engine):
    engine = make_engine(TAGLINE)
    bad = json.dumps({"taglines": ["only one"]})
    scripted([bad, bad, bad])
    result = engine.run(engine.make_job("demo.tagline", {"product": "bread"}))
    assert result.status == "failed" and result.error.kind == "validation"
    assert result.problems == [Problem(field="taglines", message="has 1; exactly 2 needed")]
    assert result.output is None and result.provenance.attempts == 3


def test_max_repairs_zero_means_one_attempt(make_engine):
    engine = make_engine(TAGLINE)
    scripted(["{}", GOOD])
    job = engine.make_job("demo.tagline", {"product": "bread"},
                          options=GenerationOptions(max_repairs=0))
    result = engine.run(job)
    assert not result.ok and result.provenance.attempts == 1
    assert result.problems[0].field == "taglines"


def test_token_budget_stops_the_loop(make_engine):
    engine = make_engine(TAGLINE)
    long_bad = "word " * 30  # 30 completion tokens per answer in the scripted backend
    scripted([long_bad] * 5)
    job = engine.make_job("demo.tagline", {"product": "bread"},
                          options=GenerationOptions(max_repairs=5, token_budget=50))
    result = engine.run(job)
    assert result.provenance.attempts == 2
    assert any(p.code == "budget" for p in result.problems)
    assert ScriptedBackend.requests[1].options.max_tokens == 20


def test_text_generator_returns_text(make_engine):
    engine = make_engine(ECHO)
    scripted(["  hello world \n"])
    result = engine.run(engine.make_job("demo.echo", {"text": "hello world"}))
    assert result.ok and result.text == "hello world" and result.output is None
    assert ScriptedBackend.requests[0].json_schema is None


def test_model_errors_become_failed_results_after_retries(make_engine):
    engine = make_engine(ECHO)
    engine.retry = engine.retry.model_copy(update={"base_delay": 0.0})
    scripted([BackendError("HTTP 503", retryable=True)] * 3 + ["finally"])
    result = engine.run(engine.make_job("demo.echo", {"text": "x"}))
    assert result.ok and result.text == "finally"
    scripted([BackendError("HTTP 400 bad request")])
    result = engine.run(engine.make_job("demo.echo", {"text": "x"}))
    assert result.error.kind == "model" and "HTTP 400" in result.error.message
    assert len(ScriptedBackend.requests) == 1  # not retried: not a transport failure


def test_hooks_rewrite_job_and_messages_and_enrich_result(make_engine):
    def prepare_job(context):
        redacted = context.job.input["text"].replace("555-1234", "[phone]")
        context.job = context.job.model_copy(update={"input": {"text": redacted}})

    def prepare_messages(context):
        context.messages = [*context.messages]
        context.messages[-1] = context.messages[-1].model_copy(
            update={"content": context.messages[-1].content + " (be brief)"})

    def validate_output(context, output):
        return [Problem(message="shouting")] if output.isupper() else []

    def after_generation(context, result):
        result.metadata["checked_by"] = "policy"

    engine = make_engine(ECHO, hooks={"prepare_job": prepare_job,
                                      "prepare_messages": prepare_messages,
                                      "validate_output": validate_output,
                                      "after_generation": after_generation})
    scripted(["CALL ME", "call me"])
    result = engine.run(engine.make_job("demo.echo", {"text": "call 555-1234"}))
    assert result.ok and result.text == "call me"
    assert result.metadata == {"checked_by": "policy"}
    sent = ScriptedBackend.requests[0].messages[-1].content
    assert sent == "Repeat exactly: call [phone] (be brief)"
    assert "shouting" in ScriptedBackend.requests[1].messages[-1].content


def test_input_policy_rejects_with_reason(make_engine):
    def prepare_job(context):
        raise JobRejected("contains a banned topic",
                          [Problem(field="input.text", message="banned topic")])

    engine = make_engine(ECHO, hooks={"prepare_job": prepare_job})
    scripted([])
    result = engine.run(engine.make_job("demo.echo", {"text": "x"}))
    assert result.error.kind == "rejected" and result.problems[0].field == "input.text"
    assert ScriptedBackend.requests == []


def test_a_plugin_bug_fails_the_job_not_the_process(make_engine):
    def validate_output(context, output):
        raise KeyError("oops")

    engine = make_engine(ECHO, hooks={"validate_output": validate_output})
    scripted(["fine"])
    result = engine.run(engine.make_job("demo.echo", {"text": "x"}))
    assert result.error.kind == "internal" and "KeyError" in result.error.message


def test_failing_post_processor_never_lets_output_through_as_success(make_engine):
    def after_generation(context, result):
        raise RuntimeError("label service down")

    engine = make_engine(ECHO, hooks={"after_generation": after_generation})
    scripted(["fine"])
    result = engine.run(engine.make_job("demo.echo", {"text": "x"}))
    assert result.status == "failed" and result.error.kind == "plugin"


def test_job_and_result_round_trip_as_json(make_engine):
    engine = make_engine(TAGLINE)
    scripted([GOOD])
    job = engine.make_job("demo.tagline", {"product": "bread"}, idempotency_key="k1",
                          metadata={"campaign": 7})
    assert Job.model_validate_json(job.model_dump_json()) == job
    result = engine.run(job)
    again = type(result).model_validate_json(result.model_dump_json())
    assert again == result and again.schema_version == 1


def test_no_repair_starts_after_the_deadline_and_calls_get_the_time_left(make_engine):
    engine = make_engine(TAGLINE)

    def slow_bad_answer(request):
        time.sleep(0.3)
        return json.dumps({"taglines": []})  # invalid: asks for a repair

    scripted([slow_bad_answer] * 10)
    job = engine.make_job("demo.tagline", {"product": "bread"},
                          options=GenerationOptions(max_repairs=9))
    result = engine.run(job, deadline=Deadline(0.5, label="soft time limit"))
    assert (result.status, result.error.kind, result.error.message) == (
        "failed", "timeout", "stopped at the soft time limit of 0.5s")
    timeouts = [request.timeout for request in ScriptedBackend.requests]
    assert len(timeouts) == 2  # the third attempt would have started after the deadline
    assert 0.4 < timeouts[0] <= 0.5 and 0 < timeouts[1] < timeouts[0] - 0.25


def test_without_a_deadline_calls_have_no_timeout(make_engine):
    engine = make_engine(TAGLINE)
    scripted([GOOD])
    assert engine.run(engine.make_job("demo.tagline", {"product": "bread"})).ok
    assert ScriptedBackend.requests[0].timeout is None


def test_a_misconfigured_model_fails_its_jobs_as_config_naming_the_setting(make_engine):
    engine = make_engine(ECHO, models={"default": {
        "backend": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m",
        "api_key_env": "AIGC_TEST_UNSET_KEY"}})
    result = engine.run(engine.make_job("demo.echo", {"text": "hi"}))
    assert (result.status, result.error.kind) == ("failed", "config")
    assert "models.default.api_key_env" in result.error.message


def test_a_generator_of_a_disabled_plugin_says_how_to_enable_it():
    engine = Engine(load_settings(disable_plugins=["news"]))
    with pytest.raises(UnknownGenerator, match=r"provided by plugin 'news'.*disable_plugins"):
        engine.make_job("news.headlines", {"topic": "tides", "count": 3})
