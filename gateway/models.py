"""The documents of the HTTP API: what clients send and what they get back.

Jobs and results are the same ``Job``/``Result`` JSON as everywhere else (docs/jobs.md); these
models only add what HTTP needs around them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from aigc_core import GenerationOptions, Job, Result
from aigc_core.jobs import MAX_NESTING, check_json_safe
from aigc_core.ledger.queries import LedgerEntry
from aigc_workers.store import JobStatus

#: Most jobs one batch request may hold (the body size limit applies too).
MAX_BATCH = 100

#: Longest a ``?wait=`` long-poll may wait, in seconds.
MAX_WAIT = 60.0

#: An ``Idempotency-Key``: visible ASCII, short enough to be scoped by the key's name.
IDEMPOTENCY_PATTERN = r"^[\x21-\x7e]{1,200}$"

#: What every job's ``input`` and ``metadata`` must keep to (what a job message can carry).
_LIMITS = (f"At most {MAX_NESTING} levels of nested objects and arrays; no lone surrogates "
           "(text is UTF-8).")

_EXAMPLE_JOB = {
    "generator": "translation.translate",
    "input": {"text": "The museum opens at nine.", "target_language": "fr"},
    "options": {"max_tokens": 64},
}


def _json_safe(value: Any) -> Any:
    """Refuse, as a problem of the field that holds it, what a job message cannot carry:
    nesting deeper than ``MAX_NESTING``, lone surrogates (``aigc_core.jobs.check_json_safe``).
    Checked here, not when the ``Job`` is built, so that the request is refused before anything
    is recorded or queued, with a 422 naming the field."""
    try:
        check_json_safe(value)
    except ValueError as exc:
        raise PydanticCustomError("json_unsafe", "{reason}", {"reason": str(exc)}) from None
    return value


class JobOptions(GenerationOptions):
    """Generation options, strictly typed: over HTTP, ``"temperature": false`` or
    ``"max_tokens": "200"`` is a mistake to report, not a value to guess at."""

    model_config = ConfigDict(strict=True, extra="forbid")

    _json_safe_fields = field_validator("*")(_json_safe)


class JobRequest(BaseModel):
    """One job to queue. The job id is chosen by the gateway (ids are shared by all keys)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_JOB]})

    generator: str = Field(min_length=1, max_length=128,
                           description="A generator name from GET /v1/generators.")
    input: dict[str, Any] = Field(
        default_factory=dict,
        description="The generator's input, validated against its input_schema before the job "
                    f"is queued. {_LIMITS}")
    model: str = Field("default", min_length=1, max_length=128,
                       description="A configured model; each has its own queue.")
    options: JobOptions = Field(default_factory=JobOptions)
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Free-form data carried in the job message, e.g. your own reference. "
                    f"{_LIMITS}")

    # Every field: the job message carries them all (the generator's name too).
    _json_safe_fields = field_validator("*")(_json_safe)

    def to_job(self, idempotency_key: str | None) -> Job:
        return Job(generator=self.generator, input=self.input, model=self.model,
                   options=GenerationOptions(**self.options.model_dump(exclude_unset=True)),
                   metadata=self.metadata,
                   idempotency_key=idempotency_key)


class BatchItem(JobRequest):
    idempotency_key: str | None = Field(
        None, pattern=IDEMPOTENCY_PATTERN,
        description="Like the Idempotency-Key header of POST /v1/jobs, for this job.")


class BatchRequest(BaseModel):
    """Jobs validated together: if any is invalid, none is queued."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"jobs": [_EXAMPLE_JOB, {**_EXAMPLE_JOB, "idempotency_key": "museum-de",
                                 "input": {**_EXAMPLE_JOB["input"], "target_language": "de"}}]},
    ]})

    jobs: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class JobView(JobStatus):
    """A job's state, and its result once it has one."""

    result: Result | None = Field(
        None, description="The Result (output, problems, error, provenance) once the job "
                          "succeeded or failed.")


class BatchResponse(BaseModel):
    jobs: list[JobView] = Field(description="In the order of the request.")


class GeneratorInfo(BaseModel):
    name: str
    plugin: str
    description: str
    input_schema: dict[str, Any] = Field(description="JSON schema of the job's input.")
    output_schema: dict[str, Any] = Field(
        description="JSON schema of the result's output ({'type': 'string'} for text "
                    "generators, whose result has text instead).")
    formats: list[str] = Field(description="Export formats the generator offers.")


class GeneratorList(BaseModel):
    generators: list[GeneratorInfo]


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class JobHistoryPage(BaseModel):
    """One page of recorded jobs, newest first: ``GET /v1/jobs`` and the review queue,
    ``GET /v1/review``."""

    jobs: list[LedgerEntry]
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next (older) page; null on the last.")

