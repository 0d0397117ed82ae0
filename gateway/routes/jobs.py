"""``/v1/jobs``: submit (one or a batch), read (now or long-polled), follow (SSE), cancel."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from aigc_core.jobs import JOB_ID_PATTERN, Job
from aigc_workers.store import JobStatus

from ..deps import BatchCallerDep, CallerDep, GatewayDep
from ..errors import documented
from ..json_body import JsonRoute
from ..models import (
    IDEMPOTENCY_PATTERN,
    MAX_WAIT,
    BatchRequest,
    BatchResponse,
    JobRequest,
    JobView,
)
from ..service import Gateway

# JsonRoute: a body nested too deep for the JSON parser is refused naming its field too.
router = APIRouter(prefix="/v1", tags=["jobs"], route_class=JsonRoute)

# Outside the id alphabet no job can exist: 422 naming job_id, before any lookup.
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN,
                            description=f"The job's id: {Job.model_fields['id'].description}")]


class EventStream(StreamingResponse):
    media_type = "text/event-stream"


#: One event of the stream, as OpenAPI 3.1 describes text/event-stream content: per event.
_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"const": "state"},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": {"$ref": "#/components/schemas/JobView"},
                 "description": "The job as GET /v1/jobs/{job_id} gives it."},
    },
}

_LOCATION = {"Location": {"description": "The job's URL.", "schema": {"type": "string"}}}
_REPLAYED = {"Idempotent-Replayed": {"description": "'true': an earlier job's answer.",
                                     "schema": {"type": "string"}}}


@router.post(
    "/jobs", status_code=202, summary="Queue one job",
    responses={
        202: {"description": "Validated and queued.", "headers": _LOCATION},
        200: {"model": JobView, "headers": {**_LOCATION, **_REPLAYED},
              "description": "The Idempotency-Key was used before: that job, queued nothing."},
        **documented(400, 401, 403, 413, 422, 429, 503),
    },
)
def submit_job(
    request: JobRequest, response: Response, gateway: GatewayDep, caller: CallerDep,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", pattern=IDEMPOTENCY_PATTERN,
        description="Submitting the same key again (with this API key) queues nothing and "
                    "answers with the first job. Kept as long as results are.")] = None,
) -> JobView:
    [submitted] = gateway.submit(caller, [(request, idempotency_key)], [""])
    response.headers["Location"] = f"/v1/jobs/{submitted.view.id}"
    if submitted.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return submitted.view


@router.post(
    "/jobs:batch", status_code=202, summary="Queue several jobs, all or none",
    responses={202: {"description": "All validated and queued (replayed ones answer with "
                                    "their earlier job)."},
               **documented(400, 401, 403, 413, 422, 429, 503)},
)
def submit_batch(batch: BatchRequest, gateway: GatewayDep,
                 caller: BatchCallerDep) -> BatchResponse:
    submitted = gateway.submit(caller, [(item, item.idempotency_key) for item in batch.jobs],
                               [f"jobs[{index}]" for index in range(len(batch.jobs))])
    return BatchResponse(jobs=[one.view for one in submitted])


@router.get("/jobs/{job_id}", summary="A job's state and result, optionally waiting for it",
            responses=documented(401, 404, 422, 429, 503))
async def get_job(
    job_id: JobId, gateway: GatewayDep, caller: CallerDep,
    wait: Annotated[float, Query(
        ge=0, le=MAX_WAIT,
        description="Seconds to wait for the job to finish (under required review: to be "
                    "approved or rejected) before answering (long-poll); the answer comes as "
                    "soon as it does. A gateway may be configured to wait less "
                    "(gateway.max_wait).")] = 0.0,
) -> JobView:
    view = await run_in_threadpool(gateway.view, caller, job_id)
    if view.settled or wait == 0:
        return view
    deadline = time.monotonic() + min(wait, gateway.settings.max_wait)
    with gateway.metrics.waiting.track_inprogress(), gateway.watcher.watch(job_id) as changes:
        while (remaining := deadline - time.monotonic()) > 0:
            status = await changes.next(remaining)
            if status is not None and status.settled:
                break
    return await run_in_threadpool(gateway.view, caller, job_id)


@router.get(
    "/jobs/{job_id}/events", summary="Server-Sent Events of the job's state changes",
    response_class=EventStream,
    responses={200: {"content": {"text/event-stream": {"schema": _EVENT}},
                     "description": "One `state` event now and one per change (data: the job "
                                    "as GET /v1/jobs/{id} gives it); the stream ends after the "
                                    "final state (under required review: after the decision), "
                                    "or after the configured stream_timeout."},
               **documented(401, 404, 422, 429, 503, by_reference=True)},
)
async def job_events(job_id: JobId, gateway: GatewayDep, caller: CallerDep) -> EventStream:
    view = await run_in_threadpool(gateway.view, caller, job_id)  # 404 before streaming
    return EventStream(_events(gateway, view),
                       headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _event(view: JobView) -> str:
    return f"event: state\ndata: {view.model_dump_json()}\n\n"


async def _events(gateway: Gateway, first: JobView) -> AsyncIterator[str]:
    settings = gateway.settings
    yield _event(first)
    if first.settled:
        return
    last = JobStatus.model_validate(first.model_dump(exclude={"result"}))
    deadline = time.monotonic() + settings.stream_timeout
    with gateway.metrics.waiting.track_inprogress(), gateway.watcher.watch(first.id) as changes:
        while (remaining := deadline - time.monotonic()) > 0:
            status = await changes.next(min(settings.keepalive, remaining))
            if status is None:
                yield ": keep-alive\n\n"  # a comment: keeps proxies from closing an idle stream
                continue
            if status == last:
                continue
            last = status
            if status.state == "unknown":  # expired while watched: nothing more will come
                return
            view = await run_in_threadpool(gateway.view_of, status)
            yield _event(view)
            if view.settled:
                return


@router.delete("/jobs/{job_id}", summary="Cancel a job that has not finished",
               responses=documented(401, 404, 409, 422, 429, 503))
def cancel_job(job_id: JobId, gateway: GatewayDep, caller: CallerDep) -> JobView:
    """A queued job will not run; a running one runs to its end but its result is discarded.
    409 if the job had already finished."""
    return gateway.cancel(caller, job_id)

