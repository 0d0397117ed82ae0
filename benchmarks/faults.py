"""4. Faults: 5% HTTP 429 with Retry-After plus 1% HTTP 503, against a clean run.

The same jobs against the simulated server, clean and then with its fault injection on.
Model-call retries happen in ``aigc_core.retry`` only (Retry-After honoured, backoff with
jitter for 503). Targets: every job completes, server requests (attempts) <= 1.08 x jobs,
throughput >= 0.85 x the clean run.

Two more probes of the circuit breaker, which counts failed calls fleet-wide: each faulted
run again with the breaker out of the way (``breaker_failures`` = 100000), which tells
whether a miss comes from the breaker or from the retries; and one second in which the
server answers every request with 429 (a rate limiter tripping), after which every job must
still complete.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aigc_workers.client import Client

from .context import Context, tag
from .fleet import RedisHandle, SimHandle, Stack
from .load import Run, Work, prompts, through_fleet, warm_up
from .report import Report, Target
from .sim_server import SimConfig

CONCURRENCY = 64
MAX_TOKENS = 64
WAVES = 8
QUICK_WAVES = 4
FAULTS = {"rate_429": 0.05, "retry_after_s": 1.0, "rate_503": 0.01, "seed": 1}
BURST = {"rate_429": 1.0, "retry_after_s": 1.0}
CLEAN = {"rate_429": 0.0, "rate_503": 0.0}
NO_BREAKER = {"breaker_failures": 100_000}
TIMEOUT = 600.0


@dataclass(frozen=True)
class Scenario:
    label: str
    faults: dict[str, Any]
    #: Extra ``[queue]`` settings of the worker.
    queue_extra: dict[str, Any] = field(default_factory=dict)
    #: Seconds (before time scaling) after which the faults stop; None: the whole run.
    lasts: float | None = None
    #: Jobs per run, in units of CONCURRENCY; None: the run's default.
    waves: int | None = None


SCENARIOS = (
    Scenario("clean", CLEAN),
    Scenario("faults", FAULTS),
    Scenario("faults, breaker_failures=100000", FAULTS, NO_BREAKER),
    Scenario("429 to everything for 1 s", BURST, lasts=1.0, waves=1),
    Scenario("429 for 1 s, breaker_failures=100000", BURST, NO_BREAKER, lasts=1.0, waves=1),
)


def run(ctx: Context) -> Report:
    redis = ctx.fleet.redis("redis-faults")
    sim = ctx.simulated(SimConfig(), "sim-faults")
    waves = QUICK_WAVES if ctx.quick else WAVES
    runs = {s.label: _run(ctx, redis, sim, s, s.waves or waves) for s in SCENARIOS}
    clean = runs["clean"][0]
    report = Report(
        "faults", "4. Faults: 5% 429 (Retry-After) + 1% 503; a 1 s burst of 429",
        ["run", "jobs", "completed", "requests", "attempts/job", "429", "503", "tok/s",
         "vs clean"],
        params={"concurrency": CONCURRENCY, "max_tokens": MAX_TOKENS, "faults": FAULTS,
                "burst": BURST},
    )
    for label, (measured, stats) in runs.items():
        by_status = stats.get("by_status", {})
        report.rows.append({
            "run": label, "jobs": measured.jobs, "completed": measured.ok,
            "requests": stats.get("requests", 0),
            "attempts/job": stats.get("requests", 0) / measured.jobs,
            "429": by_status.get("429", 0), "503": by_status.get("503", 0),
            "tok/s": measured.tokens_per_s,
            "vs clean": measured.tokens_per_s / clean.tokens_per_s if clean.tokens_per_s else 0,
        })
        if measured.error:
            report.notes.append(f"{label}: {measured.error}")
    faulted, burst = report.rows[1], report.rows[3]
    report.targets += [
        Target("share of jobs completed under faults", faulted["completed"] / faulted["jobs"],
               1.0, True),
        Target("attempts per job under faults", faulted["attempts/job"], 1.08, False),
        Target("throughput under faults / clean", faulted["vs clean"], 0.85, True),
        Target("share of jobs completed after a 1 s burst of 429",
               burst["completed"] / burst["jobs"], 1.0, True),
    ]
    report.notes.append(f"one worker, --pool threads --concurrency {CONCURRENCY}, "
                        f"endpoint_limits.default = {CONCURRENCY}; targets on the default "
                        "settings")
    return report


def _run(ctx: Context, redis: RedisHandle, sim: SimHandle, scenario: Scenario,
         waves: int) -> tuple[Run, dict[str, Any]]:
    stack = Stack(redis.url, sim.url, limit=CONCURRENCY, queue_extra=scenario.queue_extra)
    worker = ctx.fleet.aigc_worker(stack, CONCURRENCY, name=tag("worker-faults"))
    try:
        with Client(stack.settings()) as client:
            redis.client.delete(f"{client.store.prefix}:breaker:default")  # a fresh breaker
            warm_up(client, 8, tag("warm"))
            sim.configure(**scenario.faults)
            sim.reset()
            stop = None
            if scenario.lasts is not None:
                stop = threading.Timer(scenario.lasts * ctx.time_scale,
                                       lambda: sim.configure(**CLEAN))
                stop.start()
            work = Work(prompts(waves * CONCURRENCY, 60, "faults"), MAX_TOKENS, vary=True)
            measured = through_fleet(client, work, tag("faults"), TIMEOUT, scenario.label)
            if stop is not None:
                stop.cancel()
            stats = sim.stats()
            sim.configure(**CLEAN)
    finally:
        ctx.fleet.stop(worker)
    return measured, stats
