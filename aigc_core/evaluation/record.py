"""One run of one case on one variant, as a report keeps it: a result cut to what is measured,
with the dataset's assertions checked on its output.

>>> record = to_record(planned, result)
>>> record.status, record.attempts, record.accepted
('succeeded', 1, True)
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..jobs import Result
from ..problems import Problem
from .assertions import AssertionOutcome, check_all
from .plan import Planned

#: The last answer a failed job's model gave, cut to this: enough to see what went wrong.
REJECTED_CHARS = 2000

RunStatus = Literal["succeeded", "failed", "cancelled"]


class RunRecord(BaseModel):
    case: str
    variant: str
    repeat: int = 0
    job_id: str
    status: RunStatus
    error_kind: str | None = None
    error: str | None = None
    problems: list[Problem] = Field(default_factory=list)
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = Field(
        None, description="The job's own run time (the engine's total_ms): for queued jobs "
                          "without the time spent waiting in the queue.")
    output: Any = Field(None, description="The structured output, or a text generator's text.")
    rejected: str | None = Field(None, description="A failed job's last rejected answer.")
    assertions: list[AssertionOutcome] = Field(
        default_factory=list, description="The dataset's rules, checked on succeeded runs.")

    @property
    def accepted(self) -> bool:
        """Succeeded, and every assertion of its case held."""
        return self.status == "succeeded" and all(a.passed for a in self.assertions)


def to_record(planned: Planned, result: Result | None) -> RunRecord:
    """``result`` is ``None`` for a queued job that was cancelled before it ran."""
    base = {"case": planned.case.id, "variant": planned.variant.name, "repeat": planned.repeat,
            "job_id": planned.job.id}
    if result is None:
        return RunRecord(**base, status="cancelled", error="cancelled before it finished")
    provenance = result.provenance
    output = result.output if result.output is not None else result.text
    return RunRecord(
        **base, status=result.status,
        error_kind=result.error.kind if result.error else None,
        error=result.error.message if result.error else None,
        problems=result.problems, attempts=provenance.attempts,
        prompt_tokens=provenance.usage.prompt_tokens,
        completion_tokens=provenance.usage.completion_tokens,
        latency_ms=provenance.timings.total_ms, output=output,
        rejected=(provenance.rejected_answers[-1][:REJECTED_CHARS]
                  if not result.ok and provenance.rejected_answers else None),
        assertions=check_all(planned.case.assertions, output) if result.ok else [],
    )
