"""Prometheus metrics from workers, safe under the prefork pool.

API (for ``tasks.py`` and the worker command)::

    configure(multiproc_dir=None)   # worker main process, BEFORE the pool forks and before any
                                    # metric is touched; dir defaults to $PROMETHEUS_MULTIPROC_DIR.
                                    # With a dir, every pool process writes its own files there
                                    # (its *.db files are deleted first: stale ones add up).
    start_exporter(port, addr="0.0.0.0")  # worker main process: serves /metrics for the whole
                                          # worker (all pool processes) over HTTP.
    mark_process_dead(pid)          # worker_process_shutdown (prefork): drops the dead child's
                                    # live gauges (in-flight calls).
    record_job_state(generator, model, state)  # a state change other than the end of a run:
                                    # "started", "retrying", "cancelled", "dead_lettered", ...
    record_job(result)              # a finished run (succeeded/failed): counts the state, the
                                    # error kind, latency, tokens and attempts.

``guard.py`` records the model calls: ``track_call``, ``record_model_error``,
``record_slot_wait``, ``record_breaker_transition``.

Metric names (all prefixed ``aigc_``):

- ``jobs_total{generator,model,state}``: job state changes and finished runs.
- ``job_errors_total{generator,model,kind}``: failed runs by ``Result.error.kind``.
- ``job_duration_seconds{generator,model,status}``: run time of finished runs.
- ``job_model_attempts{generator,model}``: model calls per run (repairs included).
- ``tokens_total{generator,model,kind}``: prompt and completion tokens.
- ``cache_hits_total{generator,model}``: runs answered from the ledger's result cache.
- ``model_calls_in_flight{endpoint}``: calls running now (summed over live processes).
- ``model_call_duration_seconds{endpoint}``: each model call (each retry attempt).
- ``model_errors_total{endpoint,kind}``: rate_limited, server_error, timeout, connection,
  client_error, transport, circuit_open, slot_timeout.
- ``slot_wait_seconds{endpoint}``: time spent waiting for a fleet-wide slot.
- ``breaker_transitions_total{endpoint,state}``: open / half_open / closed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
    values,
)

from aigc_core.jobs import Result

_ENV = "PROMETHEUS_MULTIPROC_DIR"
_JOB = ("generator", "model")

#: Seconds: a short repair-free job up to a long article on a slow server.
_JOB_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, float("inf"))
_CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, float("inf"))
_WAIT_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, float("inf"))


@dataclass(frozen=True)
class _Metrics:
    jobs: Counter
    job_errors: Counter
    job_duration: Histogram
    job_attempts: Histogram
    tokens: Counter
    cache_hits: Counter
    in_flight: Gauge
    call_duration: Histogram
    model_errors: Counter
    slot_wait: Histogram
    breaker: Counter


_built: _Metrics | None = None
_build_lock = threading.Lock()


def _metrics() -> _Metrics:
    """Created on first use, so that ``configure`` can switch to multiprocess mode first.
    Locked: the first jobs of a threads pool arrive together, and a metric registered twice
    is an error."""
    global _built
    if _built is None:
        with _build_lock:
            if _built is None:
                _built = _build()
    return _built


def _build() -> _Metrics:
    return _Metrics(
        jobs=Counter("aigc_jobs", "Job state changes and finished runs.", [*_JOB, "state"]),
        job_errors=Counter("aigc_job_errors", "Failed runs by error kind.", [*_JOB, "kind"]),
        job_duration=Histogram("aigc_job_duration_seconds", "Run time of finished runs.",
                               [*_JOB, "status"], buckets=_JOB_BUCKETS),
        job_attempts=Histogram("aigc_job_model_attempts", "Model calls per run, repairs included.",
                               _JOB, buckets=(1, 2, 3, 4, 6, 8, float("inf"))),
        tokens=Counter("aigc_tokens", "Tokens used by finished runs.", [*_JOB, "kind"]),
        cache_hits=Counter("aigc_cache_hits", "Runs answered from the ledger's result cache.",
                           _JOB),
        in_flight=Gauge("aigc_model_calls_in_flight", "Model calls running now.", ["endpoint"],
                        multiprocess_mode="livesum"),
        call_duration=Histogram("aigc_model_call_duration_seconds",
                                "Each model call (each retry attempt).", ["endpoint"],
                                buckets=_CALL_BUCKETS),
        model_errors=Counter("aigc_model_errors", "Failed model calls by kind.",
                             ["endpoint", "kind"]),
        slot_wait=Histogram("aigc_slot_wait_seconds", "Waits for a fleet-wide endpoint slot.",
                            ["endpoint"], buckets=_WAIT_BUCKETS),
        breaker=Counter("aigc_breaker_transitions", "Circuit breaker state changes.",
                        ["endpoint", "state"]),
    )


def configure(multiproc_dir: str | Path | None = None) -> Path | None:
    """Choose single- or multi-process mode; returns the multiprocess directory, if any."""
    if _built is not None:
        raise RuntimeError("metrics.configure() must run before any metric is recorded")
    path = multiproc_dir or os.environ.get(_ENV)
    if not path:
        return None
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # a previous run's counts would add up with ours
        stale.unlink()
    os.environ[_ENV] = str(directory)  # inherited by pool processes
    # prometheus_client picks its value storage when imported; re-pick it for the new setting.
    values.ValueClass = values.get_value_class()
    return directory


def start_exporter(port: int, addr: str = "0.0.0.0") -> tuple[WSGIServer, Thread]:
    """Serve ``/metrics`` on ``addr:port`` from a daemon thread of this process."""
    registry = REGISTRY
    if os.environ.get(_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return start_http_server(port, addr, registry=registry)


def mark_process_dead(pid: int) -> None:
    if os.environ.get(_ENV):
        multiprocess.mark_process_dead(pid)


def record_job_state(generator: str, model: str, state: str) -> None:
    _metrics().jobs.labels(generator, model, state).inc()


def record_job(result: Result) -> None:
    m = _metrics()
    prov = result.provenance
    job = (prov.generator, prov.model)
    m.jobs.labels(*job, result.status).inc()
    if result.error is not None:
        m.job_errors.labels(*job, result.error.kind).inc()
    m.job_duration.labels(*job, result.status).observe(prov.timings.total_ms / 1000)
    m.job_attempts.labels(*job).observe(prov.attempts)
    m.tokens.labels(*job, "prompt").inc(prov.usage.prompt_tokens)
    m.tokens.labels(*job, "completion").inc(prov.usage.completion_tokens)
    if prov.cached_from:
        m.cache_hits.labels(*job).inc()


@contextmanager
def track_call(endpoint: str) -> Iterator[None]:
    """Counts the call in flight and times it (successful or not)."""
    m = _metrics()
    gauge = m.in_flight.labels(endpoint)
    gauge.inc()
    started = time.perf_counter()
    try:
        yield
    finally:
        m.call_duration.labels(endpoint).observe(time.perf_counter() - started)
        gauge.dec()


def record_model_error(endpoint: str, kind: str) -> None:
    _metrics().model_errors.labels(endpoint, kind).inc()


def record_slot_wait(endpoint: str, seconds: float) -> None:
    _metrics().slot_wait.labels(endpoint).observe(seconds)


def record_breaker_transition(endpoint: str, state: str) -> None:
    _metrics().breaker.labels(endpoint, state).inc()
