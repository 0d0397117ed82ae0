"""3. Scaling: 1, 2 and 4 worker processes against a server that never saturates.

The simulated server answers every request after the same fixed time (no batch limit, no
per-sequence cost), so throughput can only be limited by the workers. Each worker runs
``--pool threads --concurrency THREADS``; no endpoint cap. Target:
throughput(W) / (W * throughput(1)) >= 0.85.
"""

from __future__ import annotations

from aigc_workers.client import Client

from .context import Context, tag
from .fleet import Stack
from .load import Run, Work, prompts, through_fleet, warm_up
from .report import Report, Target
from .sim_server import SimConfig

WORKERS = (1, 2, 4)
THREADS = 8
MAX_TOKENS = 25
STEP_MS = 20.0
#: Every request takes MAX_TOKENS steps of STEP_MS: 0.5 s at time scale 1.
FIXED = SimConfig(t0_ms=STEP_MS, k_ms=0.0, max_batch=1_000_000, prefill_ms_per_token=0.0)
WAVES = 10
QUICK_WAVES = 5
TIMEOUT = 600.0


def run(ctx: Context) -> Report:
    redis = ctx.fleet.redis("redis-scaling")
    sim = ctx.simulated(FIXED, "sim-fixed")
    stack = Stack(redis.url, sim.url)
    waves = QUICK_WAVES if ctx.quick else WAVES
    runs: dict[int, Run] = {}
    for count in WORKERS:
        workers = [ctx.fleet.aigc_worker(stack, THREADS, name=tag(f"worker-w{count}"))
                   for _ in range(count)]
        with Client(stack.settings()) as client:
            warm_up(client, 2 * THREADS * count, tag("warm"))
            jobs = count * THREADS * waves
            work = Work(prompts(jobs, 20, f"w{count}"), MAX_TOKENS)
            runs[count] = through_fleet(client, work, tag(f"w{count}"), TIMEOUT)
        for worker in workers:
            ctx.fleet.stop(worker)
    latency = MAX_TOKENS * STEP_MS * ctx.time_scale / 1000.0
    one = runs[1].jobs_per_s
    report = Report(
        "scaling", "3. Scaling: worker processes against a non-saturating server",
        ["workers", "jobs", "jobs/s", "ideal jobs/s", "efficiency", "errors"],
        params={"threads": THREADS, "server_latency_s": latency, "waves": waves},
    )
    for count, measured in runs.items():
        efficiency = measured.jobs_per_s / (count * one) if one else 0.0
        report.rows.append({
            "workers": count, "jobs": measured.jobs, "jobs/s": measured.jobs_per_s,
            "ideal jobs/s": count * THREADS / latency, "efficiency": efficiency,
            "errors": measured.error or "",
        })
        if count > 1:
            report.targets.append(Target(f"throughput({count}) / ({count} x throughput(1))",
                                         efficiency, 0.85, True))
    report.notes.append(
        f"each worker: --pool threads --concurrency {THREADS}; every request takes "
        f"{latency:.2f} s; all workers, Redis, the server and the submitter share the "
        "machine's cores")
    return report
