"""Worker logs: one INFO line per job from aigc, none per request from the libraries below.

At INFO, Celery logs each task twice (received; succeeded with its whole return value, the
Result, about a kilobyte) and httpx logs each model request: a worker running 50 jobs a
second would write megabytes a minute that say less than the job store does, and pay the CPU
to format them. ``aigc worker`` raises those loggers to WARNING (failures still show) unless it
runs at DEBUG; the task logs one line per finished job instead (``job_line``).

A job line never holds the job's input or the model's output: a failed job's line carries its
error kind, the message only where aigc writes it without quoting either, and its problems'
fields and codes (problem messages quote the text they are about).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from celery.signals import after_setup_logger

from aigc_core import Problem, Result
from aigc_core.redact import excerpt, redact

#: Loggers that write a line per task or per request at INFO. The openai client's HTTP
#: library is httpx or, in recent openai releases, its fork httpx2, which logs each request
#: (its URL, ``user:password@`` included) under its own names: both families are listed.
PER_REQUEST_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "httpx", "httpcore",
                       "httpx2", "httpcore2", "openai")

#: Error kinds whose messages aigc composes from settings and transport facts alone: a model
#: server's status (masked, see ``aigc_core.redact``), a template's name and line, an unknown
#: name, a count of attempts, a time limit. The other kinds quote the input or the output
#: (invalid_input: "(got '...')"; rejected, plugin and internal: a plugin's or an exception's
#: own words).
MESSAGE_KINDS = frozenset({"model", "template", "validation", "timeout", "config",
                           "unknown_generator", "unknown_model"})
#: Problems named on a failed job's line; ``aigc result ID`` has all of them.
MAX_PROBLEMS = 5
#: Loggers whose lines (at DEBUG) show each request's URL as it was configured.
URL_LOGGERS = ("httpx", "httpx2")


class MaskCredentials(logging.Filter):
    """Masks credentials (``aigc_core.redact``) in a logger's lines before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


class OneLine(logging.Filter):
    """A message cannot span lines: CR, LF and other control characters in it (a task id from
    a raw Celery message, say) are written escaped, so no input can forge a log line."""

    _CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._CONTROL.search(message):
            record.msg = self._CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(),
                                           message)
            record.args = ()
        return True


def quiet_per_request_loggers(loglevel: int | str) -> None:
    """Keep per-request lines out of logs at INFO and above; all of them show at DEBUG."""
    level = logging.getLevelName(loglevel) if isinstance(loglevel, str) else loglevel
    if isinstance(level, int) and level <= logging.DEBUG:
        return
    for name in PER_REQUEST_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def mask_request_urls() -> None:
    """A ``base_url`` with ``user:password@`` must not reach a log at DEBUG either."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskCredentials) for f in logger.filters):
            logger.addFilter(MaskCredentials())


def install() -> None:
    """Apply ``quiet_per_request_loggers``, ``mask_request_urls`` and ``OneLine`` once Celery
    has set up the worker's logging."""

    def on_setup(loglevel: Any = logging.INFO, logger: logging.Logger | None = None,
                 **_: Any) -> None:
        quiet_per_request_loggers(loglevel)
        mask_request_urls()
        for handler in (logger or logging.getLogger()).handlers:
            handler.addFilter(OneLine())

    after_setup_logger.connect(on_setup, weak=False)


def job_line(result: Result, worker_ms: float) -> str:
    """``job ID GENERATOR on MODEL: STATUS in N ms (engine N ms, A model attempts)``, and for a
    failure ``: KIND[: MESSAGE][; problems: FIELD (CODE), ...]``."""
    p = result.provenance
    line = (f"job {result.job_id} {p.generator} on {p.model}: {result.status} in "
            f"{worker_ms:.0f} ms (engine {p.timings.total_ms:.0f} ms, {p.attempts} model "
            f"attempt{'s' if p.attempts != 1 else ''})")
    if result.error is None:
        return line
    line += f": {result.error.kind}"
    if result.error.kind in MESSAGE_KINDS:
        line += f": {excerpt(result.error.message, 200)}"
    if result.problems:
        line += f"; problems: {_problem_names(result.problems)}"
    return line


def _problem_names(problems: list[Problem]) -> str:
    # Fields and codes only; a field path can hold a client's key, so it is kept to one line.
    names = [excerpt(f"{p.field} ({p.code})" if p.field else p.code, 80)
             for p in problems[:MAX_PROBLEMS]]
    more = len(problems) - MAX_PROBLEMS
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")
