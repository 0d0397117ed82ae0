"""Every error is a JSON body ``{"error": {"code", "message", "problems"}}``: a client in any
language branches on ``code`` and shows ``problems``, each naming the field to fix."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError
from pydantic import BaseModel, Field
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from aigc_core import Problem
from aigc_core.problems import field_path, from_validation_error
from aigc_workers.credentials import refusal

log = logging.getLogger(__name__)

#: Error codes of the HTTP statuses the framework raises by itself (unknown routes, ...).
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}

#: Methods an Allow header may name (the API uses no others).
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: Seconds a client should wait before retrying while Redis is unreachable.
_UNAVAILABLE_RETRY = 5


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. invalid_input, "
                                  "rate_limited.", examples=["invalid_input"])
    message: str = Field(description="For people.")
    problems: list[Problem] = Field(
        default_factory=list,
        description="What is wrong, by field: 'input.text', 'jobs[2].input.target_language'.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(HTTPException):
    """An error answered with its JSON body (raise it anywhere in a request)."""

    def __init__(self, status: int, code: str, message: str,
                 problems: Sequence[Problem] = (), headers: dict[str, str] | None = None):
        super().__init__(status, message, headers)
        self.code = code
        self.problems = list(problems)


def not_found(job_id: str) -> ApiError:
    # The same answer whether the job never existed or belongs to another key: a key must
    # not learn which ids other keys use.
    return ApiError(404, "not_found", f"no job {job_id!r} for this key")


def error_response(status: int, code: str, message: str, problems: Sequence[Problem] = (),
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, problems=list(problems)))
    return JSONResponse(body.model_dump(mode="json"), status, headers=headers)


def _request_problems(errors: Sequence[Any]) -> list[Problem]:
    """Name fields as they are in the request: body fields by their path in the body
    (``jobs[2].input``), query and header parameters by their name (``wait``)."""
    problems = []
    for error in errors:
        location, *rest = error.get("loc", ("body",))
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "")
            problems.append(Problem(field="body", code="json_invalid",
                                    message=f"is not valid JSON ({detail}, at character "
                                            f"{rest[0] if rest else 0})"))
            continue
        field = field_path(rest) or location
        if isinstance(error.get("input"), dict | list):
            # Not quoted in the message: an object or array may be nested too deep to repr
            # (RecursionError) or be megabytes long, and the field's name says which it is.
            error = {name: value for name, value in error.items() if name != "input"}
        problems += [p.model_copy(update={"field": field})
                     for p in from_validation_error([{**error, "loc": ()}])]
    return problems


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "error")
    headers = _with_quota(request, exc.headers)
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return error_response(exc.status_code, code, str(exc.detail),
                          getattr(exc, "problems", ()), headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. (The router names only those of the
    first route that matched the path, e.g. GET but not DELETE for /v1/jobs/{id}.)"""
    return [method for method in _METHODS
            if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
                   for route in request.app.router.routes)]


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", "the request does not match the API schema",
                          _request_problems(exc.errors()), _with_quota(request, None))


def _with_quota(request: Request, headers: dict[str, str] | None) -> dict[str, str] | None:
    """An error answer to a request counted against a key's limit carries the RateLimit
    fields too (deps.py keeps them on the request's state): it cost the key a request."""
    counted = getattr(request.state, "rate_limit", None)
    return {**counted, **(headers or {})} if counted else headers


async def _store_down(request: Request, exc: Exception) -> JSONResponse:
    refused = refusal(exc, request.app.state.gateway.client.app.queue_settings)
    if refused is not None:
        # Only the operator can fix it: the detail (address, variable, file) goes to the log.
        log.error("job store refuses the gateway: %s", refused)
        message = f"the job store cannot be used: {refused.summary}"
    else:
        log.warning("job store unreachable: %s", exc)
        message = "the job store (Redis) is unreachable; retry"
    return error_response(503, "unavailable", message,
                          headers={"Retry-After": str(_UNAVAILABLE_RETRY)})


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    # Redis errors from the job store, broker errors from sending a job: the same outage.
    app.add_exception_handler(RedisError, _store_down)
    app.add_exception_handler(OperationalError, _store_down)


#: What each error status means in this API, for the OpenAPI document.
_MEANINGS = {
    400: "The body could not be read as text (code bad_request).",
    401: "No API key, or one the gateway does not know (code unauthorized).",
    403: "The key may not use a generator of the request, or may not review (code "
         "forbidden).",
    404: "No such job for this key (code not_found).",
    409: "The job had already finished, or its review was decided meanwhile (code "
         "conflict); the ledger has not recorded it yet (code not_recorded; retry after "
         "Retry-After seconds); it is not under review (code not_under_review); or its "
         "review's state refuses the decision (code decision_refused).",
    413: "The body is over the gateway's size limit (code payload_too_large).",
    422: "The request, or a job's input, is invalid; problems name each field (code "
         "invalid_request: the request's shape; invalid_input: a job's content; "
         "invalid_edit: a review's edited output).",
    429: "Over the key's rate limit; Retry-After says when to retry (code rate_limited).",
    503: "Redis, or for history the ledger, is unreachable; retry later (code unavailable).",
}


def documented(*statuses: int, by_reference: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, all with the JSON error body.

    ``by_reference``: for routes whose own media type is not JSON (event streams), where a
    ``model`` would be documented under that media type; the other routes put ErrorBody in
    the document's components."""
    if by_reference:
        schema = {"$ref": f"#/components/schemas/{ErrorBody.__name__}"}
        return {status: {"description": _MEANINGS[status],
                         "content": {"application/json": {"schema": schema}}}
                for status in statuses}
    return {status: {"model": ErrorBody, "description": _MEANINGS[status]}
            for status in statuses}
