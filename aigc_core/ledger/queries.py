"""Reading the ledger: a listing with filters and full-text search, one job's whole record,
and what retention deletes.

    rows = listing(connection, Filters(generator="news.article", search="solar", limit=20))
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, Connection, Select, and_, delete, exists, or_, select

from ..jobs import Job, Result
from ..review.models import OPEN_STATES, Review, ReviewState
from . import schema, search
from .records import LedgerEvent

State = Literal["succeeded", "failed", "cancelled", "unfinished"]

_jobs, _results, _events, _reviews = schema.jobs, schema.results, schema.events, schema.reviews


class Filters(BaseModel):
    """What ``aigc logs`` and ``GET /v1/jobs`` select; every filter is optional.

    >>> Filters(generator="news.article", state="failed", since=datetime(2026, 1, 1))
    """

    model_config = ConfigDict(extra="forbid")

    generator: str | None = None
    model: str | None = None
    plugin: str | None = None
    state: State | None = None
    review: ReviewState | None = Field(None, description="Only jobs whose review is in this "
                                                         "state (the review queue).")
    idempotency_key: str | None = None
    submitter: str | None = None
    labelled: bool | None = Field(None, description="Only results with (True) or without "
                                                    "(False) an AI label.")
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = Field(None, description="Words every result must hold.")
    limit: int = Field(20, ge=1)
    before: tuple[datetime, str] | None = Field(
        None, description="Cursor: only jobs created before this (created_at, job id).")

    @field_validator("since", "until")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return utc(value)


def utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC, as the ledger keeps times: a time without a zone is taken to be UTC
    (SQLite returns times without their zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class LedgerEntry(BaseModel):
    """One line of a listing."""

    job_id: str
    generator: str
    model: str
    state: str
    created_at: datetime
    finished_at: datetime | None
    plugin: str | None
    source: str
    submitter: str | None
    review: ReviewState | None = Field(None, description="The job's review state, if any.")
    text: str | None = Field(description="The result's text, or its search text, cut short.")


class JobRecord(BaseModel):
    """Everything the ledger holds about one job."""

    job: Job
    source: str
    submitter: str | None
    created_at: datetime
    result: Result | None
    events: list[LedgerEvent]
    review: Review | None = None


def _conditions(filters: Filters, connection: Connection) -> list[ColumnElement[bool]]:
    equal = {_jobs.c.generator: filters.generator, _jobs.c.model: filters.model,
             _results.c.plugin: filters.plugin, _jobs.c.idempotency_key: filters.idempotency_key,
             _jobs.c.submitter: filters.submitter}
    found = [column == value for column, value in equal.items() if value is not None]
    if filters.state:
        found.append(_jobs.c.state == filters.state)
    if filters.review:
        found.append(_reviews.c.state == filters.review)
    if filters.labelled is not None:
        labelled = _results.c.label.is_not(None)
        found.append(labelled if filters.labelled else ~labelled)
    if filters.since:
        found.append(_jobs.c.created_at >= filters.since)
    if filters.until:
        found.append(_jobs.c.created_at < filters.until)
    if filters.search:
        found.append(search.matching(connection, filters.search))
    if filters.before:
        at, job_id = filters.before
        created, key = _order(filters)
        found.append(or_(created < at, and_(created == at, key < job_id)))
    return found


def _order(filters: Filters) -> tuple[Any, Any]:
    """The columns a listing is ordered by (newest first): the review's copy of the job's
    creation time when it lists one review state, so that ``ix_reviews_state`` alone finds
    the page, whether few or many jobs are in that state."""
    table = _reviews if filters.review else _jobs
    return table.c.created_at, table.c.job_id


def _listing(filters: Filters, connection: Connection) -> Select[Any]:
    results = (_results, _results.c.job_id == _jobs.c.job_id)
    if filters.review:  # a review queue: from the reviews in that state (``_order``)
        # Joined flat, not nested: SQLite hides results.rowid (full-text search) from a
        # parenthesised join.
        source = _reviews.join(_jobs, _jobs.c.job_id == _reviews.c.job_id).outerjoin(*results)
    else:
        source = _jobs.outerjoin(*results).outerjoin(_reviews,
                                                     _reviews.c.job_id == _jobs.c.job_id)
    created, key = _order(filters)
    return (select(_jobs.c.job_id, _jobs.c.generator, _jobs.c.model, _jobs.c.created_at,
                   _jobs.c.source, _jobs.c.submitter, _jobs.c.state, _results.c.plugin,
                   _results.c.finished_at, _results.c.text, _results.c.search_text,
                   _reviews.c.state.label("review"))
            .select_from(source)
            .where(*_conditions(filters, connection))
            .order_by(created.desc(), key.desc())
            .limit(filters.limit))


def listing(connection: Connection, filters: Filters) -> list[LedgerEntry]:
    """The newest jobs first that match ``filters``."""
    rows = connection.execute(_listing(filters, connection)).mappings()
    return [LedgerEntry(
        job_id=row["job_id"], generator=row["generator"], model=row["model"],
        state=row["state"],
        created_at=utc(row["created_at"]), finished_at=utc(row["finished_at"]),
        plugin=row["plugin"],
        source=row["source"], submitter=row["submitter"], review=row["review"],
        text=(row["text"] or row["search_text"] or None)) for row in rows]


def job_record(connection: Connection, job_id: str) -> JobRecord | None:
    """The job, its result and its events (oldest first), or None if the ledger lacks it."""
    job = connection.execute(select(_jobs).where(_jobs.c.job_id == job_id)).mappings().first()
    if job is None:
        return None
    result = connection.execute(
        select(_results).where(_results.c.job_id == job_id)).mappings().first()
    events = connection.execute(
        select(_events).where(_events.c.job_id == job_id).order_by(_events.c.at, _events.c.id)
    ).mappings()
    return JobRecord(
        job=Job(id=job["job_id"], generator=job["generator"], model=job["model"],
                input=job["input"], options=job["options"],
                idempotency_key=job["idempotency_key"], metadata=job["metadata"]),
        source=job["source"], submitter=job["submitter"], created_at=utc(job["created_at"]),
        result=_result(result) if result else None,
        events=[LedgerEvent(key=e["key"], kind=e["kind"], at=utc(e["at"]), detail=e["detail"])
                for e in events])


def cached(connection: Connection, key: str) -> Result | None:
    """The newest succeeded result whose job had this ``cache_key``."""
    row = connection.execute(
        select(_results).where(_results.c.cache_key == key, _results.c.status == "succeeded")
        .order_by(_results.c.finished_at.desc()).limit(1)).mappings().first()
    return _result(row) if row else None


def _result(row: Any) -> Result:
    return Result(job_id=row["job_id"], status=row["status"], output=row["output"],
                  text=row["text"], problems=row["problems"], error=row["error"],
                  provenance=row["provenance"],
                  metadata={"ai_label": row["label"]} if row["label"] is not None else {})


def prune(connection: Connection, older_than: datetime, batch: int = 5_000) -> int:
    """Delete jobs created before ``older_than`` with their results, events and reviews,
    ``batch`` jobs per statement (a long transaction would hold locks the writer needs),
    except jobs whose review is still open: a person may yet publish them. Returns how many
    jobs went."""
    under_review = exists().where(_reviews.c.job_id == _jobs.c.job_id,
                                  _reviews.c.state.in_(OPEN_STATES))
    gone = 0
    while True:
        ids = [row[0] for row in connection.execute(
            select(_jobs.c.job_id).where(_jobs.c.created_at < older_than, ~under_review)
            .limit(batch))]
        if not ids:
            return gone
        for table in (_events, schema.revisions, _reviews, _results, _jobs):
            connection.execute(delete(table).where(table.c.job_id.in_(ids)))
        connection.commit()
        gone += len(ids)
