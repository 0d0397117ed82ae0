"""Worker logs: one INFO line per job from aigc, none per request from the libraries below.

At INFO, Celery logs each task twice (received; succeeded with its whole return value, the
Result, about a kilobyte) and httpx logs each model request: a worker running 50 jobs a
second would write megabytes a minute that say less than the job store does, and pay the CPU
to format them. ``aigc worker`` raises those loggers to WARNING (failures still show) unless it
runs at DEBUG; the task logs one line per finished job instead (``job_line``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import after_setup_logger

from aigc_core import Result

#: Loggers that write a line per task or per request at INFO.
PER_REQUEST_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "httpx", "httpcore")


def quiet_per_request_loggers(loglevel: int | str) -> None:
    """Keep per-request lines out of logs at INFO and above; all of them show at DEBUG."""
    level = logging.getLevelName(loglevel) if isinstance(loglevel, str) else loglevel
    if isinstance(level, int) and level <= logging.DEBUG:
        return
    for name in PER_REQUEST_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def install() -> None:
    """Apply ``quiet_per_request_loggers`` once Celery has set up the worker's logging."""

    def on_setup(loglevel: Any = logging.INFO, **_: Any) -> None:
        quiet_per_request_loggers(loglevel)

    after_setup_logger.connect(on_setup, weak=False)


def job_line(result: Result, worker_ms: float) -> str:
    """``job ID GENERATOR on MODEL: STATUS in N ms (engine N ms, A model attempts)[: error]``."""
    p = result.provenance
    line = (f"job {result.job_id} {p.generator} on {p.model}: {result.status} in "
            f"{worker_ms:.0f} ms (engine {p.timings.total_ms:.0f} ms, {p.attempts} model "
            f"attempt{'s' if p.attempts != 1 else ''})")
    if result.error is not None:
        line += f": {result.error.kind}: {result.error.message[:200]}"
    return line
