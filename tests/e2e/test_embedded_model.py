"""The real embedded SmolLM2 through the engine: text, schema-constrained JSON, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from aigc_core import Engine, GenerationOptions
from aigc_core.config import load_settings
from aigc_core.testing import plugin_module
from tests.support.demo import ECHO, TAGLINE, Tagline, enough_taglines

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_settings(enable_plugins=[]),
                  plugins={"demo": plugin_module(TAGLINE, ECHO)})


def test_structured_output_is_schema_valid_or_fails_with_problems(engine):
    job = engine.make_job("demo.tagline", {"product": "a solar lantern", "count": 2},
                          options=GenerationOptions(max_tokens=120))
    result = engine.run(job)
    prov = result.provenance
    assert prov.backend == "llama_cpp" and prov.model_id == "SmolLM2-135M-Instruct"
    assert prov.usage.completion_tokens > 0 and prov.timings.model_ms > 0
    if result.ok:
        output = Tagline.model_validate(result.output)
        assert enough_taglines(output, engine.validate(job)) == []
    else:
        assert result.error.kind == "validation" and result.problems


def test_text_generation_and_concurrent_calls_share_one_model(engine):
    jobs = [engine.make_job("demo.echo", {"text": f"number {i}"},
                            options=GenerationOptions(max_tokens=16, max_repairs=0))
            for i in range(3)]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(engine.run, jobs))
    assert all(r.ok and r.text for r in results), [r.error for r in results]
    from aigc_core.backends import local

    assert len(local._models) == 1  # loaded once per process


def test_same_seed_same_output(engine):
    def once() -> str:
        job = engine.make_job("demo.echo", {"text": "the tide"},
                              options=GenerationOptions(max_tokens=12, seed=42, temperature=0.8))
        return engine.run(job).text

    assert once() == once()
