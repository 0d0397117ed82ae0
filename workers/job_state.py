"""What the job store reports about jobs: their states, and the dead-letter list's entries.

Both sides read these: submitters (``Client.status``, the gateway) and workers (through the
store). The store writes them (store.py has the Redis keys); nothing here touches Redis.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

#: States a job moves through. From succeeded on they are final: the run is over and its
#: result stored. A job under required review ends its run awaiting_review, and a reviewer
#: then approves or rejects it (docs/review.md).
JobState = Literal["unknown", "queued", "started", "retrying", "succeeded", "failed", "cancelled",
                   "awaiting_review", "approved", "rejected"]
FINAL_STATES = frozenset({"succeeded", "failed", "cancelled", "awaiting_review", "approved",
                          "rejected"})


class JobStatus(BaseModel):
    """What ``status(id)`` reports."""

    id: str
    state: JobState = Field(description="unknown: never submitted, or expired.")
    generator: str | None = None
    model: str | None = None
    queue: str | None = None
    attempts: int = Field(0, description="Deliveries that started running the job.")
    worker: str | None = Field(None, description="host:pid of the latest attempt.")
    last_error: str | None = Field(None, description="Why the previous attempt was lost.")
    dead_letter: bool = Field(False, description="Failed because it used up max_attempts.")
    submitted_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def final(self) -> bool:
        """The run is over and its result stored (a decision may still follow review)."""
        return self.state in FINAL_STATES

    @property
    def settled(self) -> bool:
        """Nothing more will happen to the job: final, and not waiting for a reviewer. What
        the gateway's long-polls and event streams wait for."""
        return self.final and self.state != "awaiting_review"


class DeadLetter(BaseModel):
    """A job that used up ``max_attempts`` deliveries, with its last error."""

    job_id: str
    generator: str
    model: str
    attempts: int
    error: str
    at: datetime
