"""What review is made of: a job's review as it stands, the decisions people make on it, and
the revisions that edits add. The gateway's API and the ledger both speak these.

States (docs/review.md): ``awaiting_review`` (a required review; the run is over, nothing is
published), ``unreviewed`` (an optional review nobody has made), then ``approved`` or
``rejected``, which are final. ``edit`` adds a revision and leaves the state as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .settings import ReviewMode

ReviewState = Literal["awaiting_review", "unreviewed", "approved", "rejected"]
DecisionKind = Literal["approve", "reject", "edit", "regenerate"]
#: States a decision can still be made in.
OPEN_STATES: frozenset[str] = frozenset({"awaiting_review", "unreviewed"})
#: The state each decision leaves; ``None``: unchanged.
OUTCOME: dict[DecisionKind, ReviewState | None] = {
    "approve": "approved", "reject": "rejected", "edit": None, "regenerate": "rejected"}
#: The ledger event each decision appends.
EVENT: dict[DecisionKind, str] = {"approve": "approved", "reject": "rejected",
                                  "edit": "edited", "regenerate": "regenerated"}


class _Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(
        ge=0, description="The review's version as the reviewer read it: a decision on an "
                          "older version is refused with a conflict, never applied over "
                          "another reviewer's.")
    reason: str | None = Field(None, min_length=1, max_length=2000,
                               description="Why, for the record (required to reject).")


class Approve(_Decision):
    """Publish the result: the model's, or the latest edit."""

    decision: Literal["approve"]


class Reject(_Decision):
    """Refuse the result, saying why."""

    decision: Literal["reject"]
    reason: str = Field(min_length=1, max_length=2000,
                        description="Why: what the writer (or the next run) should change.")


class Edit(_Decision):
    """A new revision of the result, checked like a model's answer; the review stays open."""

    decision: Literal["edit"]
    output: dict[str, Any] | Annotated[str, StringConstraints(
        min_length=1, max_length=200_000, pattern=r"\S")] = Field(
        description="The whole new output: an object for a structured generator, a string "
                    "(not blank) for a text generator, without its AI label, which is kept.")


class Regenerate(_Decision):
    """Refuse the result and queue a new job with the same input, linked to this one."""

    decision: Literal["regenerate"]


#: What a reviewer decides about one job.
#:
#: >>> TypeAdapter(Decision).validate_python({"decision": "reject", "version": 0,
#: ...                                        "reason": "the quote is not in the facts"})
Decision = Annotated[Approve | Reject | Edit | Regenerate, Field(discriminator="decision")]


class Revision(BaseModel):
    """An edit of a result. Revision 0 is the model's own result and is not listed."""

    number: int = Field(ge=1)
    output: dict[str, Any] | None = None
    text: str | None = None
    editor: str
    at: datetime


class Review(BaseModel):
    """One job's review as it stands."""

    job_id: str
    mode: ReviewMode
    state: ReviewState
    version: int = Field(description="Goes up with every decision; send it with the next.")
    revision: int = Field(description="The revision that would be published: 0 is the "
                                      "model's result, later ones are edits.")
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    regenerated_as: str | None = Field(None, description="The job a regenerate submitted.")
    revisions: list[Revision] = Field(default_factory=list)
