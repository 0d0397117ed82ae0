"""5. Structured output: validation cost per job, and F/B for schema-constrained jobs.

``bench.digest`` jobs (about 2 KB of JSON under a schema tightened to the entry count, checked
by counts, display widths, word counts and distinctness) against B sending the same schema as
``response_format``. Validation cost is the engine's own ``validate_ms`` (parse, finalize,
validators) in the worker (wall time, among the worker's other threads), and the CPU time of
the same work repeated in this process.

Targets: validation p99 <= 1 ms for outputs <= 2 KB; F/B >= 0.90.
"""

from __future__ import annotations

import json
import time

from aigc_core.repair import parse_output

from .context import Context
from .load import Work, prompts
from .plugin import Digest, DigestInput, check_digest, digest_schema, tidy
from .report import Report, Target, percentile
from .versus import measure

CONCURRENCY = 64
QUICK_CONCURRENCY = 16
ENTRIES = 8
MAX_TOKENS = 128
REPEATS = 20


def run(ctx: Context) -> Report:
    concurrency = QUICK_CONCURRENCY if ctx.quick else CONCURRENCY
    redis = ctx.fleet.redis("redis-structured")
    endpoint = ctx.endpoint(name="sim-structured")
    data = DigestInput(prompt="x", entries=ENTRIES)
    work = Work(prompts(4 * concurrency, 60, "digest"), MAX_TOKENS, "bench.digest",
                {"entries": ENTRIES}, digest_schema(data), vary=True)
    pair = measure(ctx, redis.url, endpoint, work, concurrency, b_first=True)
    outputs = [json.dumps(r.output) for r in pair.f.results if r.output is not None]
    in_worker = [r.provenance.timings.validate_ms for r in pair.f.results]
    isolated = [_validate_ms(text, data) for text in outputs[:200] for _ in range(REPEATS)]
    sizes = [len(text.encode()) for text in outputs]
    report = Report(
        "structured", "5. Structured output: validation cost and F/B",
        ["C", "jobs", "output bytes (max)", "validate p50 ms (worker)",
         "validate p99 ms (worker)", "validate p99 ms (alone, CPU)", "B tok/s", "F tok/s", "F/B"],
        rows=[{
            "C": concurrency, "jobs": pair.f.jobs, "output bytes (max)": max(sizes, default=0),
            "validate p50 ms (worker)": percentile(in_worker, 50),
            "validate p99 ms (worker)": percentile(in_worker, 99),
            "validate p99 ms (alone, CPU)": percentile(isolated, 99),
            "B tok/s": pair.b.tokens_per_s, "F tok/s": pair.f.tokens_per_s, "F/B": pair.ratio,
        }],
        params={"entries": ENTRIES, "max_tokens": MAX_TOKENS, "server": endpoint.url},
    )
    report.targets += [
        Target("validation p99 ms in the worker", percentile(in_worker, 99), 1.0, False,
               f"outputs up to {max(sizes, default=0)} bytes"),
        Target("validation p99 ms alone (CPU time)", percentile(isolated, 99), 1.0, False),
        Target(f"structured F/B at C={concurrency}", pair.ratio, 0.90, True),
    ]
    for measured in (pair.b, pair.f):
        if measured.error:
            report.notes.append(f"{measured.label}: {measured.error}")
    return report


def _validate_ms(text: str, data: DigestInput) -> float:
    """CPU time of what the engine's repair loop times as validation: parse, finalize,
    validators (CPU time: on a busy machine, wall time mostly measures waiting for a core)."""
    started = time.thread_time()
    output, problems = parse_output(text, Digest)
    if output is not None:
        problems = check_digest(tidy(output, data), data)
    elapsed = (time.thread_time() - started) * 1000.0
    if problems:
        raise AssertionError(f"a stored output fails validation again: {problems[0]}")
    return elapsed
