"""A submitter validates a job with the plugin of its generator only, where it can: a one-shot
submit imports one plugin, not every installed one, and validates exactly as before."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aigc_core import Job
from aigc_core.config import load_settings
from aigc_core.errors import InvalidInput, UnknownGenerator
from aigc_workers.validators import Validators
from tests.queue.conftest import ROOT

pytestmark = pytest.mark.e2e

HEADLINES = Job(generator="news.headlines", input={"topic": "solar panels", "count": 3})


def loaded(validators: Validators, generator: str) -> set[str]:
    return set(validators.for_generator(generator).host.plugins)


def test_a_generator_is_validated_with_its_own_plugin_only():
    validators = Validators(load_settings())
    assert loaded(validators, "news.headlines") == {"aigc.backends", "news"}
    validators.for_generator("news.headlines").validate(HEADLINES)
    bad = HEADLINES.model_copy(update={"input": {"topic": "x", "count": 50}})
    with pytest.raises(InvalidInput) as caught:
        validators.for_generator("news.headlines").validate(bad)
    assert {p.field for p in caught.value.problems} == {"input.topic", "input.count"}


def test_what_one_plugin_cannot_answer_goes_to_every_plugin():
    validators = Validators(load_settings())
    with pytest.raises(UnknownGenerator):  # no plugin "nosuch": the full engine says so
        validators.for_generator("nosuch.thing").validate(HEADLINES.model_copy(
            update={"generator": "nosuch.thing"}))
    assert validators.for_generator("news.nosuch") is validators.full
    assert loaded(validators, "news.headlines") >= {"news", "education", "translation"}


def test_a_plugin_the_settings_keep_out_is_not_loaded_for_validation():
    validators = Validators(load_settings(disable_plugins=["news"]))
    engine = validators.for_generator("news.headlines")
    assert engine is validators.full and "news" not in engine.host.plugins
    with pytest.raises(UnknownGenerator, match="disable_plugins"):
        engine.validate(HEADLINES)


SUBMIT = """
import json, sys
from aigc_core import Job
from aigc_workers.client import Client
with Client() as client:
    client.submit(Job(generator="news.headlines", input={"topic": "solar panels", "count": 3}))
print(json.dumps(sorted({m.split(".")[1] for m in sys.modules
                         if m.startswith("aigc_plugins.")})))
"""


def test_a_cold_submit_imports_only_the_plugin_of_its_generator(redis_server, tmp_path):
    env = {"AIGC_QUEUE": json.dumps({"redis_url": redis_server.url}), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SUBMIT], env=env, cwd=tmp_path, check=True,
                          capture_output=True, text=True)
    assert json.loads(done.stdout) == ["news"]
