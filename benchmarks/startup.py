"""7. Start-up: what a one-shot ``aigc submit`` and a short-lived Python submitter pay before
their first job is queued, each in a fresh interpreter, against baselines measured in the same
run: the interpreter alone, and importing Celery and redis-py, which every submitter needs.

A command row is the wall time of a process from spawn to exit. A submit row comes from a probe
in a fresh interpreter that times ``Client()``, its first ``submit()`` (the cold submit: the
plugin that validates the job, the first Redis connection, the first message) and the median
of the next submits, for one generator of each of four plugins: ``bench.text`` (a plugin that
costs nothing to import, so what aigc itself costs), ``news.headlines``,
``translation.translate`` (py3langid imports numpy) and ``education.flashcards`` (textstat
imports nltk). Each row is the median (and the fastest) of RUNS runs.

Target (issue 16): aigc's own part of a cold submit, ``bench.text``, <= 50 ms. A real plugin
adds its own import time: validating a job needs the generator's input model and validators,
which are the plugin's code, and only that plugin is imported (workers/validators.py).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import Context
from .fleet import ROOT
from .report import Report, Target

RUNS = 7
QUICK_RUNS = 3
#: Submits after the first, whose median is the warm cost.
NEXT = 20
#: aigc's own part of a cold submit (issue 16).
COLD_SUBMIT_MS = 50.0

#: ``(what, python arguments)``: processes timed from spawn to exit.
COMMANDS: tuple[tuple[str, list[str]], ...] = (
    ("python -c pass", ["-c", "pass"]),
    ("import celery (its app)", ["-c", "from celery import Celery"]),
    ("import redis", ["-c", "import redis"]),
    ("import aigc_core", ["-c", "import aigc_core"]),
    ("import aigc_workers.client", ["-c", "import aigc_workers.client"]),
    ("aigc --help", ["-m", "aigc_core.cli", "--help"]),
    ("aigc submit news.headlines", ["-m", "aigc_core.cli", "submit", "news.headlines",
                                    "-p", "topic=solar panels", "-p", "count=3"]),
)

#: One job of each plugin: ``(generator, input)``.
JOBS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("bench.text", {"prompt": "Say hello."}),
    ("news.headlines", {"topic": "solar panels", "count": 3}),
    ("translation.translate", {"text": "The museum opens at nine.", "target_language": "fr"}),
    ("education.flashcards", {"source_text": "Tides are the rise and fall of sea levels "
                                             "caused by the gravity of the moon and the sun.",
                              "count": 3}),
)

#: Runs in a fresh interpreter: prints the probe's timings as JSON, each a pair (wall ms,
#: CPU ms of this process).
PROBE = """
import json, statistics, sys, time
from aigc_core import Job
from aigc_workers.client import Client
spec = json.loads(sys.argv[1])
clock = lambda: (time.perf_counter(), time.process_time())
since = lambda then: [round((now - was) * 1000, 3) for now, was in zip(clock(), then)]
started = clock()
with Client() as client:
    built, client_ms = clock(), since(started)
    client.submit(Job.model_validate(spec))
    first_ms = since(built)
    times = []
    for _ in range(int(sys.argv[2])):
        begun = clock()
        client.submit(Job.model_validate(spec))
        times.append(since(begun))
print(json.dumps({"client": client_ms, "first": first_ms,
                  "next": [statistics.median(t[i] for t in times) for i in (0, 1)]}))
"""


@dataclass
class Timing:
    """Runs of one measurement: wall and CPU milliseconds of each."""

    what: str
    runs: list[tuple[float, float]]

    @property
    def wall_ms(self) -> float:
        return statistics.median(wall for wall, _ in self.runs)

    @property
    def cpu_ms(self) -> float:
        return statistics.median(cpu for _, cpu in self.runs)

    def row(self, baseline: Timing | None) -> dict[str, Any]:
        row = {"what": self.what, "median ms": self.wall_ms,
               "min ms": min(wall for wall, _ in self.runs), "CPU ms": self.cpu_ms}
        if baseline is not None:
            row["CPU above python -c pass, ms"] = self.cpu_ms - baseline.cpu_ms
        return row


def run(ctx: Context) -> Report:
    runs = QUICK_RUNS if ctx.quick else RUNS
    redis = ctx.fleet.redis("redis-startup")
    env = environment(redis.url, ctx.fleet.site)
    cwd = ctx.fleet.workdir  # no aigc.toml there: the environment is the whole configuration
    report = Report("startup", "7. Start-up: one-shot commands and the first submit",
                    ["what", "median ms", "min ms", "CPU ms", "CPU above python -c pass, ms"],
                    params={"runs": runs, "next_submits": NEXT})
    commands = [Timing(what, [_timed(args, env, cwd) for _ in range(runs)])
                for what, args in COMMANDS]
    report.rows += [timing.row(commands[0] if index else None)
                    for index, timing in enumerate(commands)]
    for generator, fields in JOBS:
        probes = [probe(generator, fields, env, cwd) for _ in range(runs)]
        timings = {key: Timing(f"{generator}: {label}", [tuple(p[key]) for p in probes])
                   for key, label in (("client", "Client()"), ("first", "first submit()"),
                                      ("next", f"next submit(), median of {NEXT}"))}
        report.rows += [timing.row(None) for timing in timings.values()]
        if generator == "bench.text":
            report.targets.append(Target(
                "cold submit, aigc's own part (bench.text), CPU ms", timings["first"].cpu_ms,
                COLD_SUBMIT_MS, False, note=f"wall {timings['first'].wall_ms:.1f} ms; the "
                "first submit() in a process, after Client()"))
    report.notes += [
        "CPU ms is the process's own CPU time: on a machine that other work shares, wall "
        "times grow with the load and CPU times hardly do",
        "a cold submit of a real generator adds the import of its plugin, which holds the "
        "input model and validators it is checked with: compare each generator's first "
        "submit() with bench.text's",
        "a one-shot `aigc submit` pays the imports above (aigc_core, Celery, redis-py) before "
        "its cold submit; `aigc --help` pays what the command line loads to list commands",
    ]
    return report


def environment(redis_url: str, site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
    env.update({"AIGC_QUEUE": json.dumps({"redis_url": redis_url}),
                "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])})
    return env


def _timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one process, from spawn to exit."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000.0, cpu * 1000.0


def probe(generator: str, fields: dict[str, Any], env: dict[str, str],
           cwd: Path) -> dict[str, list[float]]:
    spec = json.dumps({"generator": generator, "input": fields})
    done = subprocess.run([sys.executable, "-c", PROBE, spec, str(NEXT)], env=env, cwd=cwd,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])

