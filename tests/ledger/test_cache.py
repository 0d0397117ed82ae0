"""The result cache: an identical deterministic job is answered from the ledger without a
model call; anything that changes the output (input, template, options) misses; a failed
result is never reused; the cache is opt-in per generator/model or per job."""

from __future__ import annotations

import json
from pathlib import Path

from aigc_core.ledger import Filters, Ledger, LedgerSettings
from aigc_core.ledger.cache import deterministic, wanted
from aigc_core.options import GenerationOptions
from aigc_core.testing import ScriptedBackend, scripted
from tests.support.demo import TAGLINE

GOOD = json.dumps({"taglines": ["Crust that crackles", "Baked before sunrise"]})
OTHER = json.dumps({"taglines": ["Rye and ready", "Dark and dense"]})


def engine_for(make_engine, tmp_path: Path, cache: list[str], **settings):
    return make_engine(TAGLINE, ledger={"url": f"sqlite:///{tmp_path}/cache.db",
                                        "cache": cache}, **settings)


def run(engine, product: str, answers: list[str], **options):
    scripted(answers)
    return engine.run(engine.make_job("demo.tagline", {"product": product},
                                      options=GenerationOptions(**options)))


def test_an_identical_job_is_answered_from_the_cache(make_engine, tmp_path):
    engine = engine_for(make_engine, tmp_path, ["demo.*"])
    first = run(engine, "sourdough", [GOOD])
    assert len(ScriptedBackend.requests) == 1
    again = run(engine, "sourdough", [OTHER])  # scripted() clears the requests seen
    assert again.ok and again.output == first.output
    assert ScriptedBackend.requests == []  # no model call
    prov = again.provenance
    assert prov.cached_from == first.job_id and prov.cache_key == first.provenance.cache_key
    assert prov.attempts == 0 and prov.templates == first.provenance.templates
    with Ledger.open(LedgerSettings(url=f"sqlite:///{tmp_path}/cache.db")) as ledger:
        assert ledger.show(again.job_id).result.provenance.cached_from == first.job_id
        assert len(ledger.list(Filters())) == 2  # the cached answer is a job of its own


def test_what_changes_the_output_misses(make_engine, tmp_path):
    engine = engine_for(make_engine, tmp_path, ["demo.tagline@default"])
    first = run(engine, "sourdough", [GOOD])
    assert run(engine, "rye", [OTHER]).provenance.cached_from is None  # input
    assert run(engine, "sourdough", [OTHER], seed=7).provenance.cached_from is None  # options
    assert run(engine, "sourdough", [OTHER], cache=False).provenance.cached_from is None
    prompts = tmp_path / "prompts" / "demo"
    prompts.mkdir(parents=True)
    (prompts / "tagline.j2").write_text("Write {{ count }} taglines for {{ product }}.")
    edited = engine_for(make_engine, tmp_path, ["demo.*"],
                        template_dirs=[str(tmp_path / "prompts")])
    miss = run(edited, "sourdough", [OTHER])  # an operator's template changed the prompt
    assert miss.provenance.cached_from is None
    assert miss.provenance.cache_key != first.provenance.cache_key


def test_failed_results_are_never_reused_and_the_cache_is_opt_in(make_engine, tmp_path):
    off = engine_for(make_engine, tmp_path, [])
    run(off, "sourdough", [GOOD])
    assert run(off, "sourdough", [OTHER]).provenance.cached_from is None  # not configured
    assert run(off, "sourdough", [OTHER], cache=True).provenance.cached_from  # this job asks
    bad = json.dumps({"taglines": ["Only one"]})
    failed = run(off, "kale", [bad] * 3, max_repairs=0, cache=True)
    assert not failed.ok
    retried = run(off, "kale", [GOOD], max_repairs=0, cache=True)
    assert retried.ok and retried.provenance.cached_from is None


def test_only_deterministic_jobs_are_keyed():
    assert deterministic(GenerationOptions(temperature=0.7, seed=3))
    assert deterministic(GenerationOptions(temperature=0))
    assert not deterministic(GenerationOptions(temperature=0.7))
    settings = LedgerSettings(cache=["news.*@vllm"])
    options = GenerationOptions()
    assert wanted(settings, "news.article", "vllm", options)
    assert not wanted(settings, "news.article", "default", options)
    assert not wanted(settings, "news.article", "vllm", GenerationOptions(cache=False))
