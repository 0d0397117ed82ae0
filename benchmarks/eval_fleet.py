"""11. ``aigc eval --queue``: an eval's jobs through the fleet, against the fleet alone and
against a direct client, at each concurrency C.

Three runs of the same work (``bench.text`` prompts, varied max_tokens) on the same workers
and the same simulated server, in turn, their order rotating between levels:

- B: ``load.direct``, C callers straight to the server (the baseline);
- F: ``load.through_fleet``, every job submitted, then waited for (what benchmark 1 measures);
- E: the eval: a dataset file of the same prompts as cases, read by ``read_dataset`` with the
  client's validation, then ``evaluate`` with the ``queue`` runner ``aigc eval --queue`` uses
  (``aigc_workers.eval_runner.queued``), until its report is built and written, HTML included.
  E's time runs from reading the dataset to the written report.

Target (issue 13): E/B >= 0.95 at every C: an eval through the fleet keeps the fleet's
throughput. E/F shows what the eval itself adds.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from aigc_core.evaluation.dataset import read_dataset
from aigc_core.evaluation.evaluate import Eval, evaluate, write
from aigc_core.evaluation.runner import Progress
from aigc_core.evaluation.runner import Work as EvalWork
from aigc_core.evaluation.variants import variants
from aigc_core.jobs import Result
from aigc_workers.client import Client
from aigc_workers.eval_runner import queued

from .context import Context, Endpoint, tag
from .load import Run, Work, direct, prompts, through_fleet
from .report import Report, Target
from .versus import RUN_TIMEOUT, fleet_client

LEVELS = (1, 16, 64, 256)
QUICK_LEVELS = (16,)
MAX_TOKENS = 64
PROMPT_WORDS = 60
#: Jobs per run: this many times C, and at least MIN_JOBS.
WAVES = 4
MIN_JOBS = 32
TARGET = 0.95


def run(ctx: Context, levels: tuple[int, ...] | None = None) -> Report:
    levels = levels or (QUICK_LEVELS if ctx.quick else LEVELS)
    redis = ctx.fleet.redis("redis-eval")
    endpoint = ctx.endpoint(name="sim-eval")
    report = Report(
        "eval_fleet", "11. aigc eval --queue: E against F and B, output tokens/s by C",
        ["C", "jobs", "B tok/s", "F tok/s", "E tok/s", "F/B", "E/B", "E/F", "E report s"],
        params={"levels": list(levels), "max_tokens": MAX_TOKENS,
                "prompt_words": PROMPT_WORDS, "waves": WAVES, "server": endpoint.url,
                "time_scale": ctx.time_scale},
    )
    for index, concurrency in enumerate(levels):
        count = max(MIN_JOBS, WAVES * concurrency)
        work = Work(prompts(count, PROMPT_WORDS, f"e{concurrency}"), MAX_TOKENS, vary=True)
        runs, report_s = _level(ctx, redis.url, endpoint, work, concurrency, index)
        b, f, e = runs["B"], runs["F"], runs["E"]
        for one in (b, f, e):
            if one.error:
                report.notes.append(f"C={concurrency} {one.label}: {one.error}")
        ratio = e.tokens_per_s / b.tokens_per_s if b.tokens_per_s else 0.0
        report.rows.append({
            "C": concurrency, "jobs": count, "B tok/s": b.tokens_per_s,
            "F tok/s": f.tokens_per_s, "E tok/s": e.tokens_per_s,
            "F/B": f.tokens_per_s / b.tokens_per_s if b.tokens_per_s else 0.0,
            "E/B": ratio, "E/F": e.tokens_per_s / f.tokens_per_s if f.tokens_per_s else 0.0,
            "E report s": report_s,
        })
        report.targets.append(Target(f"E/B at C={concurrency}", ratio, TARGET, True))
    report.notes += [
        "E: read_dataset + evaluate(queue runner) + write(report.json, report.html), timed "
        "from reading the dataset to the written report; F: submit all, wait for all; B: "
        "direct HTTP callers; the three in turn on the same workers, order rotating by level",
        "E report s: of E's time, what came after the last result (records, summaries, "
        "report files)",
    ]
    return report


def _level(ctx: Context, redis_url: str, endpoint: Endpoint, work: Work, concurrency: int,
           index: int) -> tuple[dict[str, Run], float]:
    report_s = 0.0
    with fleet_client(ctx, redis_url, endpoint, concurrency) as client:

        def run_e() -> Run:
            nonlocal report_s
            run, report_s = _through_eval(client, work, tag(f"e{concurrency}"))
            return run

        order: list[tuple[str, Callable[[], Run]]] = [
            ("B", lambda: direct(endpoint.url, endpoint.model, work, concurrency)),
            ("F", lambda: through_fleet(client, work, tag(f"f{concurrency}"), RUN_TIMEOUT)),
            ("E", run_e),
        ]
        shift = index % len(order)
        runs = {}
        for label, one in order[shift:] + order[:shift]:
            endpoint.reset()
            runs[label] = one()
    return runs, report_s


def _through_eval(client: Client, work: Work, name: str) -> tuple[Run, float]:
    """The eval of ``work`` as ``aigc eval GENERATOR --dataset FILE --queue --out DIR`` runs
    it; the run and the seconds spent after the last result."""
    runner = queued(client.settings)
    results: list[Result | None] = []
    answered = 0.0

    def keeping(items: Sequence[EvalWork], progress: Progress) -> list[Result | None]:
        nonlocal answered
        results.extend(runner(items, progress))
        answered = time.perf_counter()
        return results

    with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
        dataset = Path(folder) / "dataset.jsonl"
        dataset.write_text("".join(
            json.dumps({"id": job.id, "input": job.input,
                        "options": job.options.model_dump(exclude_none=True)}) + "\n"
            for job in work.jobs(name)), encoding="utf-8")
        started = time.perf_counter()
        cases = read_dataset(dataset, work.generator, client.engine.validate)
        spec = Eval(work.generator, dataset, cases, variants(["default"], [None]),
                    mode="queue")
        write(evaluate(spec, keeping, progress=lambda _n: None), Path(folder) / "out")
        ended = time.perf_counter()
    good = [r for r in results if r is not None and r.ok]
    error = "" if len(good) == len(results) else f"{len(results) - len(good)} job(s) failed"
    tokens = sum(r.provenance.usage.completion_tokens for r in good)
    return Run("E", len(results), len(good), tokens, ended - started, [], good, error), \
        ended - answered
