"""Control case: the real ``llama_cpp.server`` with the embedded SmolLM2 model.

It runs one request at a time, so concurrency must buy nothing there (B at C=4 about B at
C=1) and must not break anything (every job succeeds, F/B about 1). Each concurrency is
measured twice, B first and F first, and the two summed: the server computes on the same
two cores as everything else, so its speed drifts with the machine's load. Skipped when
``llama_cpp.server`` or the embedded model is not installed.
"""

from __future__ import annotations

import importlib.util
import sys

from aigc_core.backends.local import embedded_model_path
from aigc_core.errors import AigcError

from .context import Context, Endpoint
from .fleet import free_port, port_open, wait_until
from .load import Run, Work, direct, prompts
from .report import Report, Target
from .sim_server import HOST
from .versus import measure

LEVELS = (1, 4)
MAX_TOKENS = 16
JOBS = 8
QUICK_JOBS = 4
MODEL = "smollm2"
#: A fresh server's first answers are several times slower, for a dozen requests or more on
#: a busy machine: requests are sent one at a time until the last WARM_STEADY answers took
#: within 25% of each other (at most WARM_UP_MAX requests).
WARM_STEADY = 3
WARM_UP_MAX = 40


def run(ctx: Context) -> Report:
    report = Report("control", "Control: llama_cpp.server with the embedded model",
                    ["C", "jobs", "B tok/s", "F tok/s", "F/B", "B vs C=1", "F completed"],
                    params={"max_tokens": MAX_TOKENS})
    try:
        model = embedded_model_path()
    except AigcError as exc:
        report.notes.append(f"skipped: {exc}")
        return report
    if importlib.util.find_spec("llama_cpp.server") is None:
        report.notes.append("skipped: llama_cpp.server is not installed "
                            "(pip install 'llama-cpp-python[server]')")
        return report
    redis = ctx.fleet.redis("redis-control")
    port = free_port()
    ctx.fleet.spawn("llama-server", [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL,
        "--host", HOST, "--port", str(port), "--n_ctx", "1024",
        # Non-streaming requests must each run to the end, not be cut off by the next one.
        "--interrupt_requests", "False",
    ])
    wait_until(lambda: port_open(port), 120, "llama_cpp.server")
    endpoint = Endpoint(f"http://{HOST}:{port}/v1", MODEL)
    _warm_up(endpoint)
    count = QUICK_JOBS if ctx.quick else JOBS
    first: float | None = None
    for concurrency in LEVELS:
        work = Work(prompts(count, 12, "control"), MAX_TOKENS)
        # Both orders, summed: the server's speed drifts with the machine's load.
        pairs = [measure(ctx, redis.url, endpoint, work, concurrency, b_first)
                 for b_first in (True, False)]
        b, f = (_rate([getattr(p, side) for p in pairs]) for side in ("b", "f"))
        first = first or b
        completed = sum(p.f.ok for p in pairs)
        report.rows.append({
            "C": concurrency, "jobs": 2 * count, "B tok/s": b, "F tok/s": f,
            "F/B": f / b if b else 0.0, "B vs C=1": b / first if first else 0.0,
            "F completed": f"{completed}/{2 * count}",
        })
        report.targets.append(Target(f"jobs completed at C={concurrency}",
                                     completed / (2 * count), 1.0, True))
        report.targets.append(Target(f"F/B at C={concurrency}", f / b if b else 0.0, 0.90,
                                     True))
        for measured in (run for p in pairs for run in (p.b, p.f)):
            if measured.error:
                report.notes.append(f"C={concurrency} {measured.label}: {measured.error}")
    report.notes.append("one request at a time on the server: B vs C=1 near 1 is expected; "
                        "the model shares the machine's cores with the fleet")
    return report


def _rate(runs: list[Run]) -> float:
    seconds = sum(run.seconds for run in runs)
    return sum(run.tokens for run in runs) / seconds if seconds else 0.0


def _warm_up(endpoint: Endpoint) -> None:
    latencies: list[float] = []
    for index in range(WARM_UP_MAX):
        work = Work(prompts(1, 12, f"warm{index}"), MAX_TOKENS)
        latencies += direct(endpoint.url, MODEL, work, 1).latencies_ms
        last = latencies[-WARM_STEADY:]
        if len(last) == WARM_STEADY and max(last) <= 1.25 * min(last):
            return
