"""Eval datasets: JSONL, one case per line, checked whole before anything runs.

A line is a generator's input object, or a case that wraps one:

    {"id": "zh-short", "input": {"topic": "深圳地铁16号线开通", "language": "zh"},
     "options": {"max_tokens": 200}, "assert": [{"language": "zh"}], "note": "CJK width"}

``id`` names the case in reports and in ``aigc eval compare`` (default ``line-N``, which moves
when lines are inserted: give ids to cases you compare across edits); ``assert`` lists the
team's own acceptance rules (``assertions.py``); ``note`` is for people.

>>> cases = read_dataset(Path("evals/news.headlines.jsonl"), "news.headlines", engine.validate)
>>> cases[0].id, cases[0].input["topic"]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidBatch
from ..jobs import Job
from ..options import GenerationOptions
from ..problems import Problem, from_validation_error, prefixed
from ..validation import Validate, job_problems
from .assertions import Assertion

_CASE_KEYS = {"id", "input", "options", "assert", "note"}
_LINE_SEP = ": "  # "line 3: input.topic: ...", as batch files name their problems


class Case(BaseModel):
    """One line of a dataset."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(min_length=1, max_length=200)
    input: dict[str, Any]
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    assertions: list[Assertion] = Field(default_factory=list, alias="assert")
    note: str = ""
    line: int = 0


def read_dataset(path: Path, generator: str, validate: Validate) -> list[Case]:
    """Every case of the file, each input checked by ``validate`` (``Engine.validate``) as a
    job of ``generator``. Raises ``InvalidBatch`` with every problem of every line."""
    cases: list[Case] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            case, found = _parse(line, number)
            if case is not None:
                found += _input_problems(validate, generator, case)
                if case.id in seen:
                    found.append(Problem(field="id", code="duplicate",
                                         message=f"{case.id!r} is the id of line {seen[case.id]}"))
                seen.setdefault(case.id, number)
                cases.append(case)
            problems += prefixed(found, where, _LINE_SEP)
    if problems:
        raise InvalidBatch(str(path), problems)
    if not cases:
        raise InvalidBatch(str(path), [Problem(message="has no cases")])
    return cases


def _input_problems(validate: Validate, generator: str, case: Case) -> list[Problem]:
    try:
        job = Job(generator=generator, input=case.input, options=case.options)
    except ValidationError as exc:  # nesting too deep, text that is not UTF-8
        return from_validation_error(exc.errors())
    return job_problems(validate, job)


def _parse(line: str, number: int) -> tuple[Case | None, list[Problem]]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, [Problem(message=f"not JSON: {exc.msg}")]
    if not isinstance(obj, dict):
        return None, [Problem(message="must be a JSON object")]
    if not (isinstance(obj.get("input"), dict) and set(obj) <= _CASE_KEYS):
        obj = {"input": obj}  # a bare input, as in a batch file
    try:
        return Case.model_validate({"id": f"line-{number}", **obj, "line": number}), []
    except ValidationError as exc:
        return None, from_validation_error(exc.errors())


def spread(cases: list[Case], count: int) -> list[Case]:
    """``count`` cases spread evenly over the dataset, first and last included: a subset that
    keeps the dataset's mix (datasets group cases by language or size), the same every run.

    >>> [c.id for c in spread(cases, 3)]   # of 25 cases: the 1st, the 13th and the 25th
    """
    if count >= len(cases):
        return cases
    if count == 1:
        return cases[:1]
    step = (len(cases) - 1) / (count - 1)
    return [cases[round(i * step)] for i in range(count)]

