"""Jobs and results: the JSON documents that cross every boundary (CLI, queue, HTTP).

``SCHEMA_VERSION`` changes only when a field's meaning changes; adding optional fields keeps it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .options import GenerationOptions
from .problems import Problem

SCHEMA_VERSION = 1

JobStatus = Literal["succeeded", "failed"]


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
    id: str = Field(default_factory=new_job_id, min_length=1, max_length=128)
    generator: str = Field(min_length=1)
    input: dict[str, Any] = Field(default_factory=dict)
    model: str = "default"
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    idempotency_key: str | None = Field(None, min_length=1, max_length=256)
    metadata: dict[str, Any] = Field(default_factory=dict)


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
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    aigc_version: str = ""


class ErrorInfo(BaseModel):
    """Why a job failed, for people: ``kind`` is stable and machine-readable."""

    kind: Literal[
        "invalid_input", "rejected", "template", "model", "validation", "unknown_generator",
        "unknown_model", "plugin", "internal",
    ]
    message: str


class Result(BaseModel):
    """The outcome of a job: output (structured and/or text), problems, provenance."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    job_id: str
    status: JobStatus
    output: dict[str, Any] | None = None
    text: str | None = None
    problems: list[Problem] = Field(default_factory=list)
    error: ErrorInfo | None = None
    provenance: Provenance
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"
