"""1. Throughput efficiency F/B (output tokens/s) at each concurrency C.

Targets: F/B >= 0.95 at the concurrency where B first reaches 90% of its peak, and >= 0.90
everywhere. Against the simulated server (default calibration, ~Llama-3.1-8B on one H100),
or an external server with ``--server``.
"""

from __future__ import annotations

from .context import Context
from .load import Work, prompts
from .report import Report, Target
from .versus import Pair, measure

LEVELS = (1, 4, 16, 64, 256)
QUICK_LEVELS = (1, 4, 16, 64)
#: The mean max_tokens; each job's varies around it (``load.VARIED``).
MAX_TOKENS = 64
PROMPT_WORDS = 60
#: Jobs per run: this many times C (so most of a run is steady state), and at least MIN_JOBS.
WAVES = 4
MIN_JOBS = 24


def run(ctx: Context, levels: tuple[int, ...] | None = None) -> Report:
    levels = levels or (QUICK_LEVELS if ctx.quick else LEVELS)
    redis = ctx.fleet.redis("redis-throughput")
    endpoint = ctx.endpoint(name="sim-throughput")
    pairs: list[Pair] = []
    for index, concurrency in enumerate(levels):
        count = max(MIN_JOBS, WAVES * concurrency)
        work = Work(prompts(count, PROMPT_WORDS, f"c{concurrency}"), MAX_TOKENS, vary=True)
        pairs.append(measure(ctx, redis.url, endpoint, work, concurrency, index % 2 == 0))
    report = Report(
        "throughput", "1. Throughput: F/B output tokens/s by concurrency",
        ["C", "jobs", "B tok/s", "F tok/s", "F/B", "B % of peak", "mean batch B",
         "mean batch F", "max in flight F", "F job p50 ms"],
        params={"levels": list(levels), "max_tokens": MAX_TOKENS, "prompt_words": PROMPT_WORDS,
                "waves": WAVES, "server": endpoint.url, "time_scale": ctx.time_scale},
    )
    peak = max(p.b.tokens_per_s for p in pairs)
    for p in pairs:
        report.rows.append({
            "C": p.concurrency, "jobs": p.f.jobs, "B tok/s": p.b.tokens_per_s,
            "F tok/s": p.f.tokens_per_s, "F/B": p.ratio,
            "B % of peak": 100.0 * p.b.tokens_per_s / peak if peak else 0.0,
            "mean batch B": p.b_server.get("mean_batch", ""),
            "mean batch F": p.f_server.get("mean_batch", ""),
            "max in flight F": p.f_server.get("max_in_flight", ""),
            "F job p50 ms": p.f.latency(50),
        })
        report.targets.append(Target(f"F/B at C={p.concurrency}", p.ratio, 0.90, True))
        for run in (p.b, p.f):
            if run.error:
                report.notes.append(f"C={p.concurrency} {run.label}: {run.error}")
        cap = p.f_server.get("max_in_flight")
        if isinstance(cap, int) and cap > p.concurrency:
            report.notes.append(f"C={p.concurrency}: the fleet had {cap} calls in flight, "
                                "over its cap")
    knee = next(p for p in pairs if p.b.tokens_per_s >= 0.9 * peak)
    report.targets.insert(0, Target(
        f"F/B where B first reaches 90% of its peak (C={knee.concurrency})", knee.ratio, 0.95,
        True))
    if ctx.quick:
        report.notes.append(f"--quick: C up to {max(levels)}; the full run adds C=256")
    return report
