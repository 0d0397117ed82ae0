"""Request dependencies shared by the routes: the gateway and the calling key.

(No ``from __future__ import annotations`` here: FastAPI must see the ``Depends(cost)`` of
the closure below as an object, not as a string it would resolve in this module's globals.)
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import Caller, unauthorized
from .models import MAX_BATCH
from .service import Gateway

_bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey",
                     description="An API key: `Authorization: Bearer aigc_...`.")


def get_gateway(request: Request) -> Gateway:
    return request.app.state.gateway


async def _one_request() -> int:
    return 1


async def _jobs_in_batch(request: Request) -> int:
    """A batch costs one request per job. Read from the body FastAPI has already read (it is
    cached), before validation: a malformed batch costs one request, like any request."""
    try:
        jobs = (await request.json()).get("jobs")
    except (ValueError, AttributeError):
        return 1
    return min(max(1, len(jobs)), MAX_BATCH) if isinstance(jobs, list) else 1


def _charged(cost: Callable[..., Awaitable[int]]) -> Callable[..., Caller]:
    def get_caller(
        request: Request,
        response: Response,
        gateway: Annotated[Gateway, Depends(get_gateway)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        requests: Annotated[int, Depends(cost)],
    ) -> Caller:
        """The key's holder; 401 without a known key, 429 over its rate limit."""
        if credentials is None:
            gateway.metrics.auth_failures.labels("missing").inc()
            raise unauthorized("send an API key: 'Authorization: Bearer <key>'")
        caller = gateway.keys.find(credentials.credentials)
        if caller is None:
            gateway.metrics.auth_failures.labels("unknown").inc()
            raise unauthorized("unknown API key")
        quota = gateway.charge(caller, requests)
        response.headers.update(quota)
        request.state.rate_limit = quota  # for an error answer, which is another response
        return caller

    return get_caller


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
CallerDep = Annotated[Caller, Depends(_charged(_one_request))]
BatchCallerDep = Annotated[Caller, Depends(_charged(_jobs_in_batch))]
