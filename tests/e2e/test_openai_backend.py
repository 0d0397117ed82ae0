"""The openai backend against a real llama.cpp OpenAI-compatible server on loopback."""

from __future__ import annotations

import pytest

from aigc_core import Engine, GenerationOptions
from aigc_core.config import load_settings
from aigc_core.retry import RetryPolicy
from aigc_core.testing import plugin_module
from tests.support.demo import ECHO, TAGLINE, Tagline
from tests.support.ports import free_port

pytestmark = pytest.mark.e2e


def engine_for(base_url: str, **backend) -> Engine:
    settings = load_settings(
        enable_plugins=[],
        models={"default": {"backend": "openai", "base_url": base_url, "model": "smollm2",
                            "structured_output": "json_object_schema", "timeout": 60,
                            **backend}},
    )
    return Engine(settings, plugins={"demo": plugin_module(TAGLINE, ECHO)},
                  retry=RetryPolicy(max_attempts=2, base_delay=0.05))


def test_structured_job_through_the_server(llama_server):
    engine = engine_for(llama_server)
    result = engine.run(engine.make_job("demo.tagline", {"product": "rain boots"},
                                        options=GenerationOptions(max_tokens=120)))
    assert result.provenance.backend == "openai"
    assert result.provenance.usage.prompt_tokens > 0
    if result.ok:
        Tagline.model_validate(result.output)
    else:
        assert result.error.kind == "validation" and result.problems


def test_text_job_through_the_server(llama_server):
    engine = engine_for(llama_server)
    result = engine.run(engine.make_job("demo.echo", {"text": "hello"},
                                        options=GenerationOptions(max_tokens=16)))
    # The server's text came back; whether the 135M model's answer to "hello" is usable copy
    # is the content gates' call (it often apologises, which the refusal gate fails).
    assert result.provenance.backend == "openai" and result.text
    assert result.provenance.usage.completion_tokens > 0
    assert result.ok or (result.error.kind == "validation" and result.problems)


def test_unreachable_server_fails_the_job_with_a_clear_reason():
    engine = engine_for(f"http://127.0.0.1:{free_port()}/v1", connect_timeout=0.5)
    result = engine.run(engine.make_job("demo.echo", {"text": "hello"}))
    assert result.status == "failed" and result.error.kind == "model"
    assert "Connection error" in result.error.message
