"""6. Queue scale: 100,000 queued jobs (10,000 with --quick).

Enqueue rate of one submitting thread (``Client.submit``: validation, job store, publish), Redis
memory per queued job (``used_memory`` before and after, on a Redis of its own), then one worker
process drains the queue against a zero-latency server while its resident memory is sampled:
it must stay flat. The drain is bounded in time; what is left is purged.
"""

from __future__ import annotations

import time
from typing import Any

from redis import Redis

from aigc_workers.client import Client

from .context import Context, tag
from .fleet import QUEUE, Stack, rss_sampler
from .load import Work, prompts
from .report import Report, Target, percentile
from .sim_server import SimConfig

JOBS = 100_000
QUICK_JOBS = 10_000
DRAIN_SECONDS = 600.0
QUICK_DRAIN_SECONDS = 300.0
THREADS = 16
LIMIT = 64
ZERO = SimConfig(t0_ms=0.0, k_ms=0.0, prefill_ms_per_token=0.0)
#: RSS may grow this much from 10% drained to the end of the drain.
RSS_GROWTH = 0.10


def run(ctx: Context) -> Report:
    count = QUICK_JOBS if ctx.quick else JOBS
    bound = QUICK_DRAIN_SECONDS if ctx.quick else DRAIN_SECONDS
    redis = ctx.fleet.redis("redis-scale")
    sim = ctx.simulated(ZERO, "sim-scale")
    stack = Stack(redis.url, sim.url, limit=LIMIT)
    with Client(stack.settings()) as client:
        client.engine.generator("bench.text")  # plugins load here, not in the timed loop
        before = redis.used_memory()
        jobs = Work(prompts(count, 20, "scale"), max_tokens=1).jobs(tag("scale"))
        started = time.perf_counter()
        for job in jobs:
            client.submit(job)
        enqueue_s = time.perf_counter() - started
        queued = redis.used_memory()
        layout = _layout(redis.client, client.store.prefix, jobs[0].id)
        del jobs
        worker = ctx.fleet.aigc_worker(stack, THREADS, name="worker-scale")
        samples: list[tuple[float, float]] = []
        progress: list[tuple[float, int]] = []
        with rss_sampler(worker, 1.0, samples):
            drained, drain_s = _drain(redis.client, sim, count, bound, progress)
        left = redis.client.llen(QUEUE)
        redis.client.delete(QUEUE)
        after = redis.used_memory()
    report = Report(
        "queue-scale", f"6. Queue scale: {count:,} queued jobs",
        ["jobs", "enqueue jobs/s", "Redis bytes per queued job", "message bytes",
         "job-state bytes", "drained", "drain jobs/s", "RSS MiB at 10%", "RSS MiB max",
         "RSS MiB end", "Redis bytes per finished job"],
        params={"threads": THREADS, "endpoint_limit": LIMIT, "drain_bound_s": bound,
                "rss_samples": samples, "progress": progress},
    )
    early = _rss_at(samples, progress, count * 0.10)
    end = samples[-1][1] if samples else 0.0
    report.rows.append({
        "jobs": count, "enqueue jobs/s": count / enqueue_s,
        "Redis bytes per queued job": (queued - before) / count,
        "message bytes": layout["message_bytes"], "job-state bytes": layout["job_bytes"],
        "drained": drained, "drain jobs/s": drained / drain_s if drain_s else 0.0,
        "RSS MiB at 10%": early, "RSS MiB max": max((s[1] for s in samples), default=0.0),
        "RSS MiB end": end,
        "Redis bytes per finished job": (after - before) / max(drained, 1),
    })
    report.targets.append(Target("worker RSS growth from 10% drained to the end",
                                 (end - early) / early if early else 0.0, RSS_GROWTH, False))
    if drained < count:
        report.notes.append(f"drained {drained:,} of {count:,} jobs within the {bound:.0f} s "
                            f"bound; {left:,} were purged")
    report.notes.append(
        "per queued job Redis holds the Celery message (the job inside, base64) in the queue "
        "list and the job-state hash (states and times, no copy of the job); each finished job "
        "adds its result twice (aigc:result and Celery's task meta)")
    report.notes.append(f"RSS p50 over the drain: {percentile([s[1] for s in samples], 50):.1f} "
                        "MiB")
    return report


def _layout(redis: Redis, prefix: str, job_id: str) -> dict[str, Any]:
    """Sizes of one queued job's parts: its message in the list, its state hash."""
    message = redis.lindex(QUEUE, -1) or b""
    return {"message_bytes": len(message),
            "job_bytes": int(redis.memory_usage(f"{prefix}:job:{job_id}", samples=0) or 0)}


def _drain(redis: Redis, sim: Any, count: int, bound: float,
           progress: list[tuple[float, int]]) -> tuple[int, float]:
    """Wait until the server answered ``count`` requests (one per job) or ``bound`` seconds
    passed; returns (jobs answered, seconds)."""
    started = time.monotonic()
    answered = 0
    while time.monotonic() - started < bound:
        answered = int(sim.stats()["by_status"].get("200", 0))
        progress.append((time.monotonic() - started, answered))
        if answered >= count:
            break
        time.sleep(1.0)
    return answered, time.monotonic() - started


def _rss_at(samples: list[tuple[float, float]], progress: list[tuple[float, int]],
            jobs: float) -> float:
    """The worker's RSS when ``jobs`` jobs were done (the first sample after that)."""
    when = next((t for t, done in progress if done >= jobs), None)
    if when is None:
        return samples[0][1] if samples else 0.0
    return next((rss for t, rss in samples if t >= when), samples[-1][1])
