"""Reviews in the ledger: reading a job's review, and applying one decision.

A decision is one transaction: the review row moves on only if its ``version`` is still the
one the reviewer read and it is still open (an ``UPDATE ... WHERE version = :read``, which
PostgreSQL re-checks after a concurrent writer commits and SQLite serialises), and only then
are its event and revision written. Two reviewers racing on one job: exactly one row
changes, and the other is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..review.models import OPEN_STATES, Review, ReviewState, Revision
from . import schema
from .queries import utc

_reviews, _revisions = schema.reviews, schema.revisions


@dataclass(frozen=True)
class Change:
    """What one decision writes."""

    job_id: str
    read_version: int
    event: str
    by: str
    at: datetime
    state: ReviewState | None = None
    reason: str | None = None
    revision: Revision | None = None
    regenerated_as: str | None = None


def review_of(connection: Connection, job_id: str) -> Review | None:
    row = connection.execute(select(_reviews).where(_reviews.c.job_id == job_id)
                             ).mappings().first()
    if row is None:
        return None
    revisions = connection.execute(
        select(_revisions).where(_revisions.c.job_id == job_id).order_by(_revisions.c.number)
    ).mappings()
    return Review(
        job_id=job_id, mode=row["mode"], state=row["state"], version=row["version"],
        revision=row["revision"], decided_by=row["decided_by"],
        decided_at=utc(row["decided_at"]), reason=row["reason"],
        regenerated_as=row["regenerated_as"],
        revisions=[Revision(number=r["number"], output=r["output"], text=r["text"],
                            editor=r["editor"], at=utc(r["at"])) for r in revisions])


def apply(connection: Connection, change: Change) -> bool:
    """Write ``change`` if the review is still open at the version read; whether it was.
    When it was not, nothing was written. Call inside a transaction."""
    values: dict[str, Any] = {"version": _reviews.c.version + 1, "decided_by": change.by,
                              "decided_at": change.at, "reason": change.reason}
    if change.state is not None:
        values["state"] = change.state
    if change.revision is not None:
        values["revision"] = change.revision.number
    if change.regenerated_as is not None:
        values["regenerated_as"] = change.regenerated_as
    moved = connection.execute(
        update(_reviews).where(_reviews.c.job_id == change.job_id,
                               _reviews.c.version == change.read_version,
                               _reviews.c.state.in_(OPEN_STATES)).values(**values)).rowcount
    if moved != 1:
        return False
    if change.revision is not None:
        connection.execute(insert(_revisions).values(
            job_id=change.job_id, number=change.revision.number, output=change.revision.output,
            text=change.revision.text, editor=change.by, at=change.at))
    detail = {"by": change.by, "version": change.read_version + 1}
    detail |= {key: value for key, value in (
        ("reason", change.reason), ("regenerated_as", change.regenerated_as),
        ("revision", change.revision.number if change.revision else None)) if value is not None}
    connection.execute(insert(schema.events).values(
        key=f"{change.job_id}:review:{change.read_version + 1}", job_id=change.job_id,
        kind=change.event, at=change.at, detail=detail))
    return True
