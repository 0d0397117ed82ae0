"""``GET /v1/review`` and ``POST /v1/jobs/{job_id}/review``: the review queue and decisions,
for keys with ``reviewer = true`` (docs/review.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from aigc_core.ledger import Filters
from aigc_core.review.models import Decision, Review, ReviewState

from ..deps import CallerDep, GatewayDep
from ..errors import documented
from ..history import decode_cursor
from ..json_body import JsonRoute
from ..models import JobHistoryPage
from .history import Cursor, Generator, Limit, Model, Search
from .jobs import JobId

# JsonRoute: bodies the JSON parser cannot read are refused naming their field, as for jobs.
router = APIRouter(prefix="/v1", tags=["review"], route_class=JsonRoute)


@router.get("/review", summary="The review queue: jobs waiting for a person, newest first",
            responses=documented(401, 403, 422, 429, 503))
async def review_queue(
    gateway: GatewayDep, caller: CallerDep,
    state: Annotated[ReviewState, Query(description="Review state to list.")] = (
        "awaiting_review"),
    generator: Generator = None,
    model: Model = None,
    q: Search = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> JobHistoryPage:
    """Every key's jobs whose review is in ``state``, from the ledger."""
    filters = Filters(review=state, generator=generator, model=model, search=q, limit=limit,
                      before=decode_cursor(cursor) if cursor else None)
    entries, next_cursor = await run_in_threadpool(gateway.reviews.queue, caller, filters)
    return JobHistoryPage(jobs=entries, next_cursor=next_cursor)


@router.post("/jobs/{job_id}/review", summary="Approve, reject, edit or regenerate a job",
             responses=documented(400, 401, 403, 404, 409, 413, 422, 429, 503))
async def review_job(job_id: JobId, decision: Decision, gateway: GatewayDep,
                     caller: CallerDep) -> Review:
    """Decide on a job under review, sending the review ``version`` you read (from
    ``GET /v1/jobs/{job_id}/history``): a decision on an older version is refused with 409
    (code ``conflict``), never applied over another reviewer's. ``edit`` checks the new
    output with the generator's validators and content gates (422 ``invalid_edit`` with the
    problems); ``reject`` needs a ``reason``. Approvals and rejections change the job's
    state for ``GET /v1/jobs/{job_id}`` and wake its waiters."""
    return await run_in_threadpool(gateway.reviews.decide, caller, job_id, decision)
