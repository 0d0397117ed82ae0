"""Writing records: one transaction per batch, every row inserted unless its key is there.

Idempotent by construction: jobs and results are keyed by job id, events by their key, and a
row already present is left as it is (``ON CONFLICT DO NOTHING``). Records are never updated:
a correction is a new event. Two things are kept as they stand beside them: ``jobs.state``
moves forward only (unfinished, then cancelled or the result's status), so a replayed batch
changes nothing; and a run that ends under review (an ``awaiting_review`` event, or the end
of a job under optional review) opens the job's row in ``reviews``, which only review
decisions change afterwards (reviews.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Table, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from ..jobs import Job, Result, utcnow
from ..labelling import METADATA_KEY as LABEL_KEY
from . import schema
from .records import LedgerEvent, LedgerRecord

#: An INSERT that skips rows whose key exists, by dialect name.
_INSERT: dict[str, Callable[[Table], Any]] = {"sqlite": sqlite.insert,
                                              "postgresql": postgresql.insert}

#: Characters of a result that full-text search reads: an article, not a book.
SEARCH_CHARS = 100_000


def write(connection: Connection, records: Iterable[LedgerRecord]) -> None:
    """Insert what is new in ``records`` (call inside a transaction)."""
    jobs: dict[str, dict[str, Any]] = {}
    results: dict[str, dict[str, Any]] = {}
    events: dict[str, dict[str, Any]] = {}
    reviews: dict[str, dict[str, Any]] = {}
    cancelled: set[str] = set()
    for record in records:
        if record.job is not None:
            jobs.setdefault(record.job_id, _job_row(record, record.job))
        if record.result is not None:
            # A result whose job was never recorded (the ledger turned on while it ran): the
            # job as its provenance knows it, so the result is kept and listed.
            jobs.setdefault(record.job_id, _job_from_result(record, record.result))
            results.setdefault(record.job_id, _result_row(record.result))
        for event in record.events:
            if event.kind == "cancelled":
                cancelled.add(record.job_id)
            events.setdefault(event.key, {"key": event.key, "job_id": record.job_id,
                                          "kind": event.kind, "at": event.at,
                                          "detail": event.detail})
            opened = _opened_review(record.job_id, event)
            if opened is not None:
                reviews.setdefault(record.job_id, opened)
    for job_id, row in jobs.items():
        row["state"] = _state(results.get(job_id), job_id in cancelled)
    # Jobs first: results and reviews refer to them.
    if jobs:
        connection.execute(_jobs_forward(connection), list(jobs.values()))
    for table, rows in ((schema.results, results), (schema.events, events),
                        (schema.reviews, _created(connection, reviews, jobs))):
        if rows:
            statement: Insert = insert(connection, table).on_conflict_do_nothing()
            connection.execute(statement, list(rows.values()))
    # A cancel whose job an earlier batch recorded: no job row here to carry it.
    if earlier := cancelled - jobs.keys():
        connection.execute(update(schema.jobs).where(schema.jobs.c.job_id.in_(earlier),
                                                     schema.jobs.c.state == "unfinished")
                           .values(state="cancelled"))


#: A job's states in the order it can reach them: ``jobs.state`` never moves back.
_FINAL = ("succeeded", "failed")


def _state(result: dict[str, Any] | None, cancelled: bool) -> str:
    if result is not None:
        return result["status"]
    return "cancelled" if cancelled else "unfinished"


def _jobs_forward(connection: Connection) -> Insert:
    """Insert jobs; a job recorded already takes the row's state only if that moves it on."""
    statement = insert(connection, schema.jobs)
    state, new = schema.jobs.c.state, statement.excluded.state
    return statement.on_conflict_do_update(
        index_elements=[schema.jobs.c.job_id], set_={"state": new},
        # Spelt out, not ``not_in``: an expanding IN cannot go into an executemany.
        where=and_(state != new, new != "unfinished", *(state != final for final in _FINAL)))


def _created(connection: Connection, reviews: dict[str, dict[str, Any]],
             jobs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The reviews with their job's creation time: from this batch, or from the ledger for
    a job recorded by an earlier one (its queued entry came before its result's)."""
    earlier = [job_id for job_id in reviews if job_id not in jobs]
    known = {job_id: row["created_at"] for job_id, row in jobs.items() if job_id in reviews}
    if earlier:
        known |= {job_id: created for job_id, created in connection.execute(
            select(schema.jobs.c.job_id, schema.jobs.c.created_at)
            .where(schema.jobs.c.job_id.in_(earlier)))}
    return {job_id: row | {"created_at": known[job_id]} for job_id, row in reviews.items()
            if job_id in known}


def insert(connection: Connection, table: Table) -> Any:
    """An INSERT of this database's dialect: one that can skip or update rows whose key
    exists (``on_conflict_do_nothing``, ``on_conflict_do_update``)."""
    return _INSERT[connection.dialect.name](table)


def _opened_review(job_id: str, event: LedgerEvent) -> dict[str, Any] | None:
    """The review row a run's last event opens: required review waits, optional review is
    open to a reviewer without holding anything back."""
    mode = event.detail.get("review")
    if event.kind == "awaiting_review":
        state = "awaiting_review"
    elif event.kind in ("succeeded", "failed") and mode == "optional":
        state = "unreviewed"
    else:
        return None
    return {"job_id": job_id, "mode": mode or "required", "state": state, "version": 0,
            "revision": 0}


def _job_row(record: LedgerRecord, job: Job) -> dict[str, Any]:
    created = min((event.at for event in record.events), default=None)
    if created is None and record.result is not None:
        created = record.result.provenance.started_at
    return {"job_id": job.id, "generator": job.generator, "model": job.model,
            "input": job.input, "options": job.options.model_dump(mode="json",
                                                                  exclude_none=True),
            "idempotency_key": job.idempotency_key, "metadata": job.metadata,
            "submitter": record.submitter, "source": record.source,
            "created_at": created or utcnow(),
            "review": record.review if record.review != "off" else None}


def _job_from_result(record: LedgerRecord, result: Result) -> dict[str, Any]:
    provenance = result.provenance
    return _job_row(record, Job(id=result.job_id, generator=provenance.generator,
                                model=provenance.model, options=provenance.options))


def _result_row(result: Result) -> dict[str, Any]:
    provenance = result.provenance
    return {
        "job_id": result.job_id, "status": result.status, "output": result.output,
        "text": result.text, "problems": [p.model_dump(mode="json") for p in result.problems],
        "error": result.error.model_dump(mode="json") if result.error else None,
        "provenance": provenance.model_dump(mode="json"),
        "label": result.metadata.get(LABEL_KEY), "plugin": provenance.plugin,
        "plugin_version": provenance.plugin_version, "model_id": provenance.model_id,
        "search_text": search_text(result),
        "finished_at": provenance.finished_at or provenance.started_at,
        "cache_key": provenance.cache_key if result.status == "succeeded" else None,
    }


def search_text(result: Result) -> str:
    """What full-text search reads of a result: its text and every string of its output."""
    parts = [result.text or ""]
    stack: list[Any] = [result.output]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return "\n".join(part for part in parts if part)[:SEARCH_CHARS]

