"""The structured-output loop: constrained call -> parse -> validate -> bounded repair.

The caller's messages are never modified: each repair attempt sends a new list made of the
original messages, the previous answer and the problems found in it. The loop stops when an
answer is valid, when ``max_repairs`` is used up, or when the job's token budget is spent; it
starts no attempt after the job's deadline (``DeadlineExceeded``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from . import deadline
from .backends.base import Completion, Message
from .jobs import Timings, Usage
from .options import GenerationOptions
from .problems import Problem, from_validation_error

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
#: A rejected answer is kept up to this many characters (``Provenance.rejected_answers``).
MAX_KEPT_ANSWER = 4_000

#: ``call(messages, options) -> Completion``
ModelCall = Callable[[list[Message], GenerationOptions], Completion]
#: ``finalize(output) -> output``: deterministic completion before validation.
Finalize = Callable[[Any], Any]
#: ``check(output) -> problems``: the generator's validators and the validate_output hook.
Check = Callable[[Any], list[Problem]]
#: ``repair_prompt(problems) -> str``
RepairPrompt = Callable[[list[Problem]], str]


@dataclass
class LoopOutcome:
    output: Any = None
    text: str = ""
    problems: list[Problem] = field(default_factory=list)
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    timings: Timings = field(default_factory=Timings)
    model_id: str = ""
    #: The raw answers that had problems, each cut to ``MAX_KEPT_ANSWER`` characters.
    rejected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.attempts > 0 and not self.problems


def parse_output(text: str, output_model: type[BaseModel] | None) -> tuple[Any, list[Problem]]:
    """Parse a model's answer into the output model (or clean text); problems if it cannot."""
    stripped = text.strip()
    if output_model is None:
        if not stripped:
            return None, [Problem(message="the answer is empty", code="empty")]
        return stripped, []
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        return None, [Problem(message=f"the answer is not valid JSON ({exc.msg} at char "
                                      f"{exc.pos}); reply with one JSON object", code="json")]
    try:
        return output_model.model_validate(data), []
    except ValidationError as exc:
        return None, from_validation_error(exc.errors())


def run_loop(
    messages: list[Message],
    options: GenerationOptions,
    output_model: type[BaseModel] | None,
    call: ModelCall,
    check: Check,
    repair_prompt: RepairPrompt,
    finalize: Finalize | None = None,
) -> LoopOutcome:
    out = LoopOutcome()
    max_attempts = 1 + (options.max_repairs or 0)
    budget = options.token_budget
    conversation = list(messages)
    while out.attempts < max_attempts:
        deadline.check()
        call_options = options
        if budget is not None:
            remaining = budget - out.usage.completion_tokens
            if remaining <= 0:
                out.problems.append(Problem(
                    message=f"token budget of {budget} completion tokens spent after "
                            f"{out.attempts} attempt(s)", code="budget"))
                break
            call_options = options.merged(
                GenerationOptions(max_tokens=min(options.max_tokens or remaining, remaining)))
        started = time.perf_counter()
        completion = call(conversation, call_options)
        elapsed = _ms(started)
        if out.attempts == 0:
            out.timings.model_ms += elapsed
        else:
            out.timings.repair_ms += elapsed
        out.attempts += 1
        out.usage.add(completion.usage)
        out.model_id = completion.model_id
        out.text = completion.text

        started = time.perf_counter()
        output, problems = parse_output(completion.text, output_model)
        if output is not None:
            if finalize is not None:
                output = finalize(output)
            problems = check(output)
        if problems and completion.finish_reason == "length":
            problems = [*problems, Problem(
                message="the answer was cut off at max_tokens; make it shorter", code="length")]
        out.timings.validate_ms += _ms(started)
        out.output, out.problems = output, problems
        if not problems:
            break
        out.rejected.append(_kept(completion.text))
        conversation = [*messages, Message(role="assistant", content=completion.text),
                        Message(role="user", content=repair_prompt(problems))]
    return out


def _kept(text: str) -> str:
    if len(text) <= MAX_KEPT_ANSWER:
        return text
    return f"{text[:MAX_KEPT_ANSWER]}… [{len(text) - MAX_KEPT_ANSWER} more characters]"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
