"""``GET /v1/jobs`` and ``GET /v1/jobs/{job_id}/history``: what the ledger recorded, for as
long as it keeps it (docs/ledger.md), where ``GET /v1/jobs/{job_id}`` reads the job store,
which forgets a job after ``queue.result_expires``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from aigc_core import Problem
from aigc_core.ledger import Filters, JobRecord
from aigc_core.ledger.queries import State

from ..deps import CallerDep, GatewayDep
from ..errors import ApiError, documented
from ..history import decode_cursor
from ..models import JobHistoryPage
from .jobs import JobId

router = APIRouter(prefix="/v1", tags=["history"])

#: Most jobs one page holds.
MAX_PAGE = 500

#: A date or time as ISO 8601 writes it; a bare number is not one (it would be read as
#: seconds since 1970).
ISO_8601 = (r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
            r"(Z|[+-]\d{2}:\d{2})?)?$")


# The query parameters every ledger listing takes (this one and the review queue).
Generator = Annotated[str | None, Query(description="e.g. news.article")]
Model = Annotated[str | None, Query(description="A configured model's name.")]
Search = Annotated[str | None, Query(max_length=500,
                                     description="Words every result must contain.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=400,
                                     description="next_cursor of the previous page.")]


def _time(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return TypeAdapter(datetime).validate_python(value)
    except ValidationError:
        raise ApiError(422, "invalid_request", f"{name}: {value!r} is not a date or time", [
            Problem(field=name, code="datetime",
                    message="use an ISO 8601 date or time, e.g. 2026-12-05 or "
                            "2026-12-05T09:30:00Z")]) from None


@router.get("/jobs", summary="Recorded jobs, newest first, with filters and search",
            responses=documented(401, 422, 429, 503))
async def list_jobs(
    gateway: GatewayDep, caller: CallerDep,
    generator: Generator = None,
    model: Model = None,
    plugin: Annotated[str | None, Query()] = None,
    status: Annotated[State | None, Query()] = None,
    idempotency_key: Annotated[str | None, Query()] = None,
    since: Annotated[str | None, Query(pattern=ISO_8601, description=(
        "Created at or after: an ISO 8601 date or time (UTC without an offset)."))] = None,
    until: Annotated[str | None, Query(pattern=ISO_8601, description=(
        "Created before: an ISO 8601 date or time (UTC without an offset)."))] = None,
    q: Search = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JobHistoryPage:
    """Jobs this key submitted (every job for a key with ``see_all_jobs``), from the ledger."""
    filters = Filters(generator=generator, model=model, plugin=plugin, state=status,
                      idempotency_key=idempotency_key, since=_time("since", since),
                      until=_time("until", until),
                      search=q,
                      limit=limit, before=decode_cursor(cursor) if cursor else None)
    entries, next_cursor = await run_in_threadpool(gateway.history.page, caller, filters)
    return JobHistoryPage(jobs=entries, next_cursor=next_cursor)


@router.get("/jobs/{job_id}/history", summary="A job's whole record: input, events, result",
            responses=documented(401, 404, 409, 422, 429, 503))
async def job_history(job_id: JobId, gateway: GatewayDep, caller: CallerDep) -> JobRecord:
    """Everything the ledger holds about the job, its state changes oldest first. 409 (code
    not_recorded, with Retry-After) for a job just submitted that the ledger's writer has not
    recorded yet."""
    return await run_in_threadpool(gateway.history.record, caller, job_id)
