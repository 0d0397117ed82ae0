"""``/metrics``: this process's Prometheus metrics, unauthenticated like any scrape target
(bind the gateway to a private address or filter the path at the proxy)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from ..deps import GatewayDep

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text format."}})
async def metrics(gateway: GatewayDep) -> PlainTextResponse:
    # Scraping reads the queue lengths from Redis: off the event loop.
    body = await run_in_threadpool(generate_latest, gateway.metrics.registry)
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)
