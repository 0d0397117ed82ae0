"""The wire contract between submitters and workers: stable, documented in docs/jobs.md.

A job is one Celery task message (protocol 2, JSON body) that any Celery client, in any
language, can send without importing aigc:

- task name ``aigc.run_job``;
- task id equal to the job's ``id`` (redelivery and idempotency are keyed by it);
- queue ``<prefix>.<model>`` (``aigc.default`` for the default model);
- kwargs ``{"job": <Job JSON>}``, optionally ``"then": [<Step JSON>, ...]`` (a chain);
- the task's result value: the job's Result JSON (``null`` for a cancelled job), in Celery's
  Redis result backend under ``celery-task-meta-<id>`` (written by the job store's scripts).

Changing any of this breaks other services: add optional fields only.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aigc_core import GenerationOptions, Job, Result

TASK_NAME = "aigc.run_job"

#: Where Celery's Redis result backend keeps a task's result, and the Pub/Sub channel on which
#: its clients wait for it (Celery without ``global_keyprefix``).
CELERY_RESULT_PREFIX = "celery-task-meta-"


class MappingError(ValueError):
    """A chain step's ``map`` does not fit the previous result."""


def _join(value: Any) -> str:
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise MappingError("'|join' needs a list of strings")
    return "\n\n".join(value)


#: Filters a map path may end with, e.g. ``output.body|join`` (an article's paragraphs as one
#: text for a summary step).
_FILTERS = {"join": _join}


class Step(BaseModel):
    """One follow-up step of a chain, run on each successful result of the step before.

    >>> Step(generator="news.summary", map={"text": "output.body|join"})
    """

    model_config = ConfigDict(extra="forbid")

    generator: str = Field(min_length=1)
    input: dict[str, Any] = Field(default_factory=dict, description="Fixed input fields.")
    map: dict[str, str] = Field(
        default_factory=dict,
        description="Input field <- dotted path into the previous Result, e.g. 'text', "
                    "'output.summary', 'output.items.0'; 'output.body|join' joins a list of "
                    "strings with blank lines.")
    fan_out: list[dict[str, Any]] = Field(
        default_factory=list,
        description="One job per item, each item's fields added to the input (e.g. one per "
                    "target language); empty: one job.")
    model: str = "default"
    options: GenerationOptions = Field(default_factory=GenerationOptions)

    @field_validator("map")
    @classmethod
    def _known_filters(cls, value: dict[str, str]) -> dict[str, str]:
        for field, path in value.items():
            name = path.partition("|")[2]
            if name and name not in _FILTERS:
                raise ValueError(f"map.{field}: unknown filter {name!r}; known: "
                                 f"{', '.join(_FILTERS)}")
        return value


class TaskKwargs(BaseModel):
    """The kwargs of an ``aigc.run_job`` message, as a worker accepts them: anything else (no
    ``job``, a ``job`` that is not a Job object, an unknown kwarg, positional args) is answered
    with a failed result, ``error.kind = "invalid_input"``, naming the field."""

    model_config = ConfigDict(extra="forbid")

    job: Job
    then: list[Step] | None = None


def message_kwargs(job: Job, then: list[Step] | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"job": job.model_dump(mode="json")}
    if then:
        kwargs["then"] = [step.model_dump(mode="json", exclude_defaults=True) for step in then]
    return kwargs


def child_id(parent_id: str, index: int) -> str:
    """Ids of a step's jobs derive from their parent's, so a redelivered parent that enqueues
    its children again enqueues the same jobs (which then run once)."""
    return f"{parent_id}-{index}"


def next_jobs(parent: Job, result: Result, step: Step) -> list[Job]:
    """The jobs of ``step`` fed by ``parent``'s successful ``result``; raises ``MappingError``."""
    document = result.model_dump(mode="json")
    mapped = {field: _lookup(document, path) for field, path in step.map.items()}
    items = step.fan_out or [{}]
    return [
        Job(id=child_id(parent.id, index), generator=step.generator, model=step.model,
            input={**step.input, **mapped, **item}, options=step.options,
            metadata={"parent": parent.id, **({"fan_out": item} if item else {})})
        for index, item in enumerate(items)
    ]


def _lookup(document: Any, path: str) -> Any:
    path, _, filter_name = path.partition("|")
    value = document
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise MappingError(
                f"the previous result has nothing at {path!r} (stopped at {part!r})")
    return _FILTERS[filter_name](value) if filter_name else value
