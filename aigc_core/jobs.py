"""Jobs and results: the JSON documents that cross every boundary (CLI, queue, HTTP).

``SCHEMA_VERSION`` changes only when a field's meaning changes; adding optional fields keeps it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .options import GenerationOptions
from .problems import Problem

SCHEMA_VERSION = 1

#: Job ids go into Redis keys, URLs and log lines: letters, digits and ``. _ : -``, starting
#: with a letter or digit, so no id can forge a log line or a key of another job.
JOB_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
#: Deepest nesting of objects and arrays accepted in a job's ``input`` and ``metadata``.
MAX_NESTING = 32

#: How a job ended, as its ``Result`` says (a queued job's states are the job store's).
ResultStatus = Literal["succeeded", "failed"]


def new_job_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Job(BaseModel):
    """A request to run one generator.

    >>> Job(generator="news.headlines", input={"topic": "solar power", "count": 3}, model="default")
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(default_factory=new_job_id, pattern=JOB_ID_PATTERN,
                    description="1-128 of A-Z a-z 0-9 . _ : - (first a letter or digit).")
    generator: str = Field(min_length=1)
    input: dict[str, Any] = Field(default_factory=dict)
    model: str = "default"
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    idempotency_key: str | None = Field(None, min_length=1, max_length=256)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("input", "metadata")
    @classmethod
    def _json_safe(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_json_safe(value)
        return value


def check_json_safe(value: Any) -> None:
    """Refuse what JSON cannot carry through every hop: nesting deeper than ``MAX_NESTING``
    (serialisers and parsers have recursion limits) and strings that are not valid UTF-8
    (a lone surrogate such as ``"\\ud800"`` decodes from JSON but cannot be encoded again)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            children = list(item)
        else:
            if isinstance(item, str):
                _check_utf8(item)
            continue
        if depth > MAX_NESTING:
            raise ValueError(f"is nested deeper than {MAX_NESTING} levels of objects and arrays")
        stack.extend((child, depth + 1) for child in children)


def _check_utf8(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"holds a lone surrogate ({text[exc.start]!r} at character {exc.start}), which "
            "is not valid UTF-8; send the text as UTF-8") from None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


class Timings(BaseModel):
    """Milliseconds spent per stage; repair covers the model calls after the first attempt."""

    render_ms: float = 0.0
    model_ms: float = 0.0
    validate_ms: float = 0.0
    repair_ms: float = 0.0
    total_ms: float = 0.0


class TemplateRef(BaseModel):
    name: str
    sha256: str
    origin: Literal["operator", "plugin"]


class Provenance(BaseModel):
    generator: str
    plugin: str
    plugin_version: str
    templates: list[TemplateRef] = Field(default_factory=list)
    model: str
    backend: str = ""
    model_id: str = ""
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    usage: Usage = Field(default_factory=Usage)
    timings: Timings = Field(default_factory=Timings)
    attempts: int = 0
    rejected_answers: list[str] = Field(
        default_factory=list,
        description="The model's raw answers that had problems, oldest first (each cut to "
                    "4,000 characters): what the repair loop saw and why a job failed.")
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    aigc_version: str = ""
    cache_key: str | None = Field(
        None, description="What decides a deterministic job's output, hashed: the ledger's "
                          "result cache finds identical jobs by it.")
    cached_from: str | None = Field(
        None, description="The job whose recorded result this is (the result cache); no model "
                          "was called.")


class ErrorInfo(BaseModel):
    """Why a job failed, for people: ``kind`` is stable and machine-readable."""

    kind: Literal[
        "invalid_input", "rejected", "template", "model", "validation", "unknown_generator",
        "unknown_model", "plugin", "config", "timeout", "internal",
    ]
    message: str


class Result(BaseModel):
    """The outcome of a job: output (structured and/or text), problems, provenance."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    job_id: str
    status: ResultStatus
    output: dict[str, Any] | None = None
    text: str | None = None
    problems: list[Problem] = Field(default_factory=list)
    error: ErrorInfo | None = None
    provenance: Provenance
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"
