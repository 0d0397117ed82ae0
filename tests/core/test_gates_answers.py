"""Real embedded-model answers that succeeded before a gate caught them, checked through the
engine as any answer is (``Engine.check_output``: parse, finalize, validators, gates).

Each ``tests/fixtures/gates/answer_*.json`` says where the answer came from, the job's input,
the answer as the model wrote it, and the problems (field, code) it must now get.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_core import Engine
from aigc_core.config import Settings

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "gates").glob("answer_*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_a_real_answer_fails_with_the_problems_its_fixture_names(path: Path):
    case = json.loads(path.read_text())
    engine = Engine(Settings())
    job = engine.make_job(case["generator"], case["input"])
    _output, problems = engine.check_output(job, json.loads(case["answer"]))
    assert [[p.field, p.code] for p in problems] == case["expected"]


def test_the_fixtures_are_there():
    assert len(FIXTURES) >= 2
