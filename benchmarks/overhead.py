"""2. Per-job overhead against a zero-latency server, and jobs/s of one worker process.

Latency: jobs one at a time, from ``submit`` to the result stored (the job store's
``finished_at``), minus the server's own time (p50 of its service times). Jobs/s: a queue
filled first, then drained by one worker process (``--pool threads``); the rate between the
first and the last result. The same for Celery with a no-op task on the same Redis, with
Celery's defaults and with aigc's Celery configuration, and for reference the same model call
made directly with aigc's openai backend (no queue, job store or guard).

Targets: aigc's overhead <= 5 ms p50 and <= 20 ms p99.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from celery import Celery

from aigc_core.backends.base import CompletionRequest, Message, ModelConfig
from aigc_core.backends.openai_backend import OpenAIBackend
from aigc_core.options import GenerationOptions
from aigc_workers.client import Client

from . import celery_noop
from .context import Context, tag
from .fleet import Stack
from .load import Work, prompts
from .report import Report, Target, percentile
from .sim_server import SimConfig

ZERO = SimConfig(t0_ms=0.0, k_ms=0.0, prefill_ms_per_token=0.0)
#: Threads of the worker process (what operations.md runs in front of an HTTP server).
THREADS = 16
LIMIT = 64
WAIT = 60.0


@dataclass
class Sizes:
    sequential: int
    drain: int


FULL = Sizes(sequential=300, drain=2000)
QUICK = Sizes(sequential=100, drain=500)


@dataclass
class Row:
    system: str
    latencies_ms: list[float]
    server_ms: float
    jobs_per_s: float | None
    #: The worker's CPU time per job in the sequential phase: unlike latencies, it hardly
    #: depends on what else the machine runs.
    cpu_ms: float | None

    def cells(self) -> dict[str, Any]:
        overhead = [value - self.server_ms for value in self.latencies_ms]
        return {
            "system": self.system, "jobs": len(self.latencies_ms),
            "p50 ms": percentile(self.latencies_ms, 50),
            "p99 ms": percentile(self.latencies_ms, 99),
            "server p50 ms": self.server_ms,
            "overhead p50 ms": percentile(overhead, 50),
            "overhead p99 ms": percentile(overhead, 99),
            "jobs/s, 1 worker": "" if self.jobs_per_s is None else self.jobs_per_s,
            "worker CPU ms/job": "" if self.cpu_ms is None else self.cpu_ms,
        }


def run(ctx: Context) -> Report:
    sizes = QUICK if ctx.quick else FULL
    redis = ctx.fleet.redis("redis-overhead")
    sim = ctx.simulated(ZERO, "sim-zero")
    stages: dict[str, list[float]] = {}
    quiet_stages: dict[str, list[float]] = {}
    rows = [_direct(sim.url, sizes), _aigc(ctx, redis.url, sim, sizes, stages),
            _aigc(ctx, redis.url, sim, sizes, quiet_stages, {"task_events": False}),
            # The ledger's outbox (one stream entry per state change, in the same scripts):
            # issue 14 allows it 1 ms p50.
            _aigc(ctx, redis.url, sim, sizes, {}, {"ledger_outbox": False})]
    rows += [_celery(ctx, redis.url, flavour, sizes) for flavour in celery_noop.FLAVOURS]
    report = Report(
        "overhead", "2. Per-job overhead against a zero-latency server",
        ["system", "jobs", "p50 ms", "p99 ms", "server p50 ms", "overhead p50 ms",
         "overhead p99 ms", "jobs/s, 1 worker", "worker CPU ms/job"],
        rows=[row.cells() for row in rows],
        params={"threads": THREADS, "endpoint_limit": LIMIT, "sequential": sizes.sequential,
                "drain": sizes.drain},
    )
    aigc, no_outbox = report.rows[1], report.rows[3]
    report.targets += [
        Target("aigc overhead p50 ms", aigc["overhead p50 ms"], 5.0, False),
        Target("aigc overhead p99 ms", aigc["overhead p99 ms"], 20.0, False),
        Target("ledger outbox's added overhead p50 ms",
               aigc["overhead p50 ms"] - no_outbox["overhead p50 ms"], 1.0, False),
    ]
    for label, measured in (("aigc job", stages), ("with task_events off", quiet_stages)):
        report.notes.append(f"{label} stages, p50/p99 ms: " + ", ".join(
            f"{stage} {percentile(values, 50):.1f}/{percentile(values, 99):.1f}"
            for stage, values in measured.items()))
    report.params["stages_ms"] = {stage: {"p50": percentile(v, 50), "p99": percentile(v, 99)}
                                  for stage, v in stages.items()}
    report.notes.append(
        "latency: one job at a time, submit() to result stored; jobs/s: a filled queue "
        f"drained by one worker process with --pool threads --concurrency {THREADS}")
    return report


def _direct_call(base_url: str) -> Callable[[], float]:
    """A function making one blocking call with aigc's openai backend, as a worker's engine
    makes it but without queue, job store or guard, returning its milliseconds."""
    backend = OpenAIBackend(ModelConfig(name="direct", backend="openai", base_url=base_url,
                                        model="sim"))
    body = Work(prompts(1, 20, "direct"), max_tokens=1).bodies("sim")[0]
    request = CompletionRequest(messages=[Message(**m) for m in body["messages"]],
                                options=GenerationOptions(max_tokens=1))

    def call() -> float:
        sent = time.perf_counter()
        backend.complete(request)
        return (time.perf_counter() - sent) * 1000.0

    return call


def _direct(base_url: str, sizes: Sizes) -> Row:
    call = _direct_call(base_url)
    latencies = [call() for _ in range(sizes.sequential)]
    return Row("direct call, aigc's openai backend (no queue)", latencies, 0.0, None, None)


def _aigc(ctx: Context, redis_url: str, sim: Any, sizes: Sizes,
          stages: dict[str, list[float]], changed: dict[str, Any] | None = None) -> Row:
    """``stages`` gets each job's ms in: submit() (validation, job store, publish), the queue
    (until a worker's store.begin), the run (begin to finish), and within the run the engine
    and its model call (the guard's slot and breaker included). ``changed``: ``[queue]``
    settings that differ from the defaults, named in the row."""
    changed = changed or {}
    stack = Stack(redis_url, sim.url, limit=LIMIT, queue_extra=changed)
    with Client(stack.settings()) as client:
        # Fill the queue first, then let one worker drain it.
        drain = Work(prompts(sizes.drain, 20, "drain"), max_tokens=1).jobs(tag("drain"))
        for job in drain:
            client.submit(job)
        worker = ctx.fleet.aigc_worker(stack, THREADS, name="worker-overhead")
        client.wait([job.id for job in drain], timeout=WAIT + sizes.drain / 5)
        finished = sorted(s.finished_at.timestamp() for s in client.store.statuses(
            [job.id for job in drain]) if s.finished_at is not None)
        rate = (len(finished) - 1) / (finished[-1] - finished[0])
        sim.reset()
        latencies = []
        call = _direct_call(sim.url)
        cpu = worker.cpu_seconds()
        for job in Work(prompts(sizes.sequential, 20, "seq"), max_tokens=1).jobs(tag("seq")):
            # A direct call just before each job: a baseline taken at the same moments, so
            # that the machine's drift shows in both.
            stages.setdefault("direct call just before", []).append(call())
            submitted = time.time()
            client.submit(job)
            sent = time.time()
            result = client.result(job.id, timeout=WAIT)
            status = client.status(job.id)
            assert status.finished_at is not None and status.started_at is not None
            done, begun = status.finished_at.timestamp(), status.started_at.timestamp()
            latencies.append((done - submitted) * 1000.0)
            timings = result.provenance.timings
            for stage, ms in (("submit", sent - submitted), ("queue", begun - sent),
                              ("run", done - begun)):
                stages.setdefault(stage, []).append(ms * 1000.0)
            stages.setdefault("engine", []).append(timings.total_ms)
            stages.setdefault("model call", []).append(timings.model_ms)
        cpu_ms = (worker.cpu_seconds() - cpu) * 1000.0 / sizes.sequential
        server_ms = sim.stats()["service_ms"]["p50"]
        ctx.fleet.stop(worker)
    named = "".join(f", {key} = {str(value).lower()}" for key, value in changed.items())
    return Row(f"aigc job{named} (threads -c {THREADS})", latencies, server_ms, rate, cpu_ms)


def _celery(ctx: Context, redis_url: str, flavour: str, sizes: Sizes) -> Row:
    app = celery_noop.make_app(redis_url, flavour)
    drain = [app.send_task(celery_noop.TASK, queue=celery_noop.QUEUE)
             for _ in range(sizes.drain)]
    worker = ctx.fleet.celery_worker(redis_url, flavour, THREADS, name=f"celery-{flavour}")
    for result in drain:
        result.get(timeout=WAIT)
    done = sorted(_date_done(app, result.id) for result in drain)
    rate = (len(done) - 1) / (done[-1] - done[0])
    latencies = []
    cpu = worker.cpu_seconds()
    for _ in range(sizes.sequential):
        sent = time.time()
        result = app.send_task(celery_noop.TASK, queue=celery_noop.QUEUE)
        result.get(timeout=WAIT)
        latencies.append((_date_done(app, result.id) - sent) * 1000.0)
    cpu_ms = (worker.cpu_seconds() - cpu) * 1000.0 / sizes.sequential
    ctx.fleet.stop(worker)
    app.close()
    return Row(f"Celery no-op, {flavour} config (threads -c {THREADS})", latencies, 0.0, rate,
               cpu_ms)


def _date_done(app: Celery, task_id: str) -> float:
    """When the worker stored the task's result (Celery keeps it in UTC)."""
    value = app.backend.get_task_meta(task_id)["date_done"]
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()
