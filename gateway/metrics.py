"""Prometheus metrics of one gateway process, served at ``/metrics``.

Metric names (all prefixed ``aigc_gateway_``):

- ``requests_total{method,route,status}`` and ``request_duration_seconds{method,route}``;
  ``route`` is the route's template (``/v1/jobs/{job_id}``), so ids never become labels.
- ``jobs_submitted_total{generator,model}``: jobs queued (idempotent replays not counted).
- ``rate_limited_total{key}``, ``auth_failures_total{reason}``.
- ``waiting_requests``: long-polls and event streams open now.
- ``queue_length{queue}``: jobs waiting in each configured model's queue, read at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Methods counted by name; any other is counted as "other" (a client picks the method, and
#: label values must stay few).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 60, float("inf"))


class _QueueLengths(Collector):
    def __init__(self, lengths: Callable[[], dict[str, int]]):
        self._lengths = lengths

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("aigc_gateway_queue_length",
                                   "Jobs waiting in each model's queue.", labels=["queue"])
        try:
            lengths = self._lengths()
        except RedisError:  # a scrape must not fail because Redis is down; readyz says so
            lengths = {}
        for queue, length in lengths.items():
            family.add_metric([queue], length)
        yield family


class GatewayMetrics:
    """The metrics, in a registry of their own (several apps may live in one process)."""

    def __init__(self, queue_lengths: Callable[[], dict[str, int]]):
        self.registry = CollectorRegistry()
        self.requests = Counter("aigc_gateway_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=self.registry)
        self.duration = Histogram("aigc_gateway_request_duration_seconds",
                                  "Time to answer (to the first byte for event streams).",
                                  ["method", "route"], buckets=_BUCKETS, registry=self.registry)
        self.jobs_submitted = Counter("aigc_gateway_jobs_submitted", "Jobs queued.",
                                      ["generator", "model"], registry=self.registry)
        self.rate_limited = Counter("aigc_gateway_rate_limited",
                                    "Requests refused by a key's rate limit.", ["key"],
                                    registry=self.registry)
        self.auth_failures = Counter("aigc_gateway_auth_failures",
                                     "Requests without a known key.", ["reason"],
                                     registry=self.registry)
        self.waiting = Gauge("aigc_gateway_waiting_requests",
                             "Long-polls and event streams open now.", registry=self.registry)
        self.registry.register(_QueueLengths(queue_lengths))


class RequestMetrics:
    """ASGI middleware counting and timing every request by its route template."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in _METHODS else "other"
        status = 500  # what the client gets if the app fails before it answers

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self.metrics.duration.labels(method, _route(scope)).observe(
                    time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            self.metrics.requests.labels(method, _route(scope), str(status)).inc()


def _route(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"
