"""What the ledger is given: for one job, what is new about it.

A record is written once and never changed: writing the same record again (a writer that
crashed after its commit and before acknowledging its batch, an outbox entry delivered twice)
adds nothing. Jobs and results are keyed by job id, events by ``key``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..jobs import Job, Result
from ..review.settings import ReviewMode

#: A job's run (queued ... cancelled; awaiting_review ends a run under required review), then
#: review decisions (approved ... regenerated; docs/review.md).
EventKind = Literal["queued", "started", "retrying", "succeeded", "failed", "cancelled",
                    "awaiting_review", "approved", "rejected", "edited", "regenerated"]
Source = Literal["inline", "queue"]


#: viewer: reads the queue and jobs; reviewer: also decides; admin: also manages people.
Role = Literal["viewer", "reviewer", "admin"]
#: A console user's name: letters, digits and ``. _ -``; it shows up in decisions, events and
#: logs. (Here, not in users.py: ``aigc users`` needs both to build its options without
#: importing SQLAlchemy, which every `aigc` command would then pay for on start.)
USER_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class LedgerEvent(BaseModel):
    """One change of a job's state.

    >>> LedgerEvent(key="1733390000000-0", kind="started", at=now, detail={"worker": "gpu1:41"})
    """

    key: str = Field(min_length=1, max_length=200,
                     description="Unique per event: the outbox entry's id, or job id and kind "
                                 "for inline runs. A second write of the same key is ignored.")
    kind: EventKind
    at: datetime
    detail: dict[str, Any] = Field(default_factory=dict)


class LedgerRecord(BaseModel):
    """What is new about one job: the job itself (first seen), its result (once final), and
    events, any of them.

    >>> LedgerRecord(job_id=job.id, job=job, result=result, source="inline",
    ...              events=[LedgerEvent(key=f"{job.id}:succeeded", kind="succeeded", at=now)])
    """

    job_id: str
    job: Job | None = None
    source: Source = "inline"
    submitter: str | None = Field(None, description="The API key name that submitted the job.")
    review: ReviewMode | None = Field(None, description="The job's review mode (with the job).")
    result: Result | None = None
    events: list[LedgerEvent] = Field(default_factory=list)


def final_event(status: str, review: ReviewMode, failed_to_review: bool) -> EventKind:
    """How a run ends: its result's status, or ``awaiting_review`` for a job under required
    review that succeeded (or failed, with ``review.failed``). The job store's finish script
    (finish_job.lua) makes the same choice for queued jobs."""
    if review == "required" and (status == "succeeded" or failed_to_review):
        return "awaiting_review"
    return "succeeded" if status == "succeeded" else "failed"


def inline_record(job: Job, result: Result, review: ReviewMode = "off",
                  failed_to_review: bool = False) -> LedgerRecord:
    """The record of a job run in this process: job, result and its start and end."""
    provenance = result.provenance
    end = final_event(result.status, review, failed_to_review)
    return LedgerRecord(
        job_id=job.id, job=job, result=result, source="inline", review=review,
        events=[LedgerEvent(key=f"{job.id}:started", kind="started", at=provenance.started_at),
                LedgerEvent(key=f"{job.id}:{end}", kind=end,
                            at=provenance.finished_at or provenance.started_at,
                            detail={"review": review} if review != "off" else {})])
