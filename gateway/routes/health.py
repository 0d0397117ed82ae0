"""``/healthz`` (the process answers) and ``/readyz`` (it can reach Redis)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ..deps import GatewayDep
from ..errors import ApiError, documented
from ..models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", summary="Readiness: Redis is reachable", responses=documented(503))
async def readyz(gateway: GatewayDep) -> Health:
    reason = await run_in_threadpool(gateway.not_ready)
    if reason is not None:
        raise ApiError(503, "unavailable", reason)
    return Health(status="ready")
