"""The datasets in evals/: one per built-in generator, each line valid against the generator's
input schema (and its assertions well formed), enough cases in enough languages to measure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from aigc_core import Engine
from aigc_core.config import load_settings
from aigc_core.evaluation import read_dataset

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals"
#: The plugins that ship with aigc (pyproject's ``aigc`` entry points) that have generators.
BUILT_IN = {"news", "ads", "education", "translation"}
DATASETS = sorted(EVALS.glob("*.jsonl"))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_settings(enable_plugins=sorted(BUILT_IN)))  # plugins, never a model


def test_every_built_in_generator_has_a_dataset(engine):
    built_in = {name for name, registered in engine.generators.items()
                if registered.plugin in BUILT_IN}
    assert built_in and built_in == {path.stem for path in DATASETS}


@pytest.mark.parametrize("path", DATASETS, ids=[path.stem for path in DATASETS])
def test_every_line_validates_against_the_input_schema(engine, path):
    cases = read_dataset(path, path.stem, engine.validate)  # raises naming each bad line
    assert len(cases) >= 25
    languages = Counter(_language(case.input).split("-")[0] for case in cases)
    assert {"en", "zh", "de", "es"} <= set(languages), languages
    assert all(case.id != f"line-{case.line}" for case in cases), "give every case an id"


def _language(data: dict) -> str:
    """The language a case asks for (a translation's target), else the input's default."""
    return data.get("target_language") or data.get("language") or "en"

