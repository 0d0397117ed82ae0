"""The ``aigc.run_job`` task: run a job once per job id, however often it is delivered.

Delivery is at-least-once (late acks, requeue on a lost worker, redelivery after the
visibility timeout), so each delivery first asks the store (one atomic script) what to do:

- a result is stored already -> return it, run nothing (a redelivered, finished job);
- the job was cancelled -> return ``None``;
- this delivery is past ``max_attempts`` -> store a failed result naming the last error and
  put the job on the dead-letter list (a poison job that kills its worker every time);
- otherwise run it and store the result; the first stored result wins and is what every
  delivery returns.

Model-call retries happen only inside the engine (``aigc_core.retry``); this task never asks
Celery to retry. Redis being unreachable while the job's state is read or written rejects the
message back to the queue, so the job is neither lost nor acknowledged without a result.

The engine is built once per worker process, in the pool process (``worker_process_init``):
the worker's main process never loads a model or initialises a GPU before forking.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from billiard.process import current_process
from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown
from pydantic import ValidationError
from redis.exceptions import RedisError

from aigc_core import AigcError, Engine, Job, Problem, Result
from aigc_core.jobs import ErrorInfo, Provenance
from aigc_core.problems import from_validation_error

from . import metrics
from .app import AigcCelery
from .client import enqueue
from .deferred import deferring
from .guard import make_guard
from .logs import job_line
from .protocol import TASK_NAME, MappingError, Step, child_id, next_jobs
from .store import Begin, Store, connect

log = logging.getLogger(__name__)

_lock = threading.Lock()


class Runtime:
    """What one worker process needs: its store, and (built on first use) its engine."""

    def __init__(self, app: AigcCelery):
        self.app = app
        self.pid = os.getpid()
        self.redis = connect(app.queue_settings)
        self.store = Store(self.redis, app.queue_settings)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        with _lock:
            if self._engine is None:
                self._engine = Engine(self.app.aigc_settings, backend_middleware=make_guard(
                    self.app.queue_settings, self.redis))
            return self._engine


def runtime(app: AigcCelery) -> Runtime:
    """This process's runtime; a forked child builds its own (no shared sockets)."""
    with _lock:
        current = getattr(app, "_aigc_runtime", None)
        if current is None or current.pid != os.getpid():
            current = app._aigc_runtime = Runtime(app)
        return current


def failed_result(job_id: str, generator: str, model: str, kind: Any, message: str,
                  problems: list[Problem] | None = None) -> Result:
    """A failed result for a job that never reached the engine."""
    return Result(
        job_id=job_id, status="failed", problems=problems or [],
        error=ErrorInfo(kind=kind, message=message),
        provenance=Provenance(generator=generator, plugin="", plugin_version="", model=model),
    )


def pin_gpu(gpus: list[str]) -> None:
    """Give this pool process its own GPU, before anything can initialise CUDA in it.

    Billiard numbers pool processes 0..concurrency-1 and a replacement takes the number of
    the process it replaces, so each GPU keeps exactly one process.
    """
    if not gpus:
        return
    index = current_process().index
    os.environ["CUDA_VISIBLE_DEVICES"] = gpus[index % len(gpus)]
    log.info("pool process %d (pid %d) uses GPU %s", index, os.getpid(),
             os.environ["CUDA_VISIBLE_DEVICES"])


def warm_up(engine: Engine) -> None:
    """Create every configured model's backend now (client imports, file checks), so the
    first job of a fresh process does not pay for it inside its time limit."""
    for model in engine.settings.models:
        try:
            engine.backend(model)
        except AigcError as exc:
            log.warning("model %r is not usable in this worker: %s", model, exc)


class RunJob(Task):
    """The task class: hard time limits are reported from the worker's main process."""

    #: Celery formats a repr of every return value (for its log line and the task-succeeded
    #: event); the Result is in the job store, so a short prefix of it is enough there.
    resultrepr_maxsize = 200
    #: The job store's scripts write Celery's result meta with the job's result (store.py):
    #: Celery's own write would read the key and write it again after every job. An
    #: exception that escapes a delivery is still stored, as Celery's FAILURE state.
    ignore_result = True
    store_errors_even_if_ignored = True

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        # The process was killed, so nothing stored a result: store the failure here, or the
        # job would read "started" forever.
        if not isinstance(exc, TimeLimitExceeded):
            return
        job = kwargs.get("job") or {}
        limit = self.app.queue_settings.hard_time_limit
        result = failed_result(task_id, str(job.get("generator", "")),
                               str(job.get("model", "default")), "internal",
                               f"killed at the hard time limit of {limit:g}s")
        try:
            runtime(self.app).store.finish(result)
        except RedisError:
            log.exception("could not store the time-limit failure of job %s", task_id)


def register(app: AigcCelery) -> None:
    @app.task(name=TASK_NAME, base=RunJob, bind=True)
    def run_job(self: RunJob, job: dict[str, Any],
                then: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
        rt = runtime(app)
        try:
            with deferring(rt.redis):
                return Delivery(rt, self.request).handle(job, then or [])
        except (RedisError, SoftTimeLimitExceeded) as exc:
            # Outside the model call: put the message back; the store decides on redelivery.
            raise Reject(f"job {self.request.id}: {type(exc).__name__}: {exc}",
                         requeue=True) from exc

    @worker_process_init.connect(weak=False)
    def _load_engine(**_: Any) -> None:
        pin_gpu(app.queue_settings.gpus)
        warm_up(runtime(app).engine)

    @worker_process_shutdown.connect(weak=False)
    def _forget_process(pid: int | None = None, **_: Any) -> None:
        metrics.mark_process_dead(pid or os.getpid())


class Delivery:
    """One delivery of one job message."""

    def __init__(self, rt: Runtime, request: Any):
        self.rt = rt
        self.request = request
        self.queue = rt.app.queue_settings

    def handle(self, payload: dict[str, Any], then: list[dict[str, Any]]) -> dict[str, Any] | None:
        try:
            job = Job.model_validate(payload)
            steps = [Step.model_validate(step) for step in then]
        except ValidationError as exc:
            return self._refuse(payload, from_validation_error(exc.errors(), prefix="job"))
        if job.id != self.request.id:
            return self._refuse(payload, [Problem(
                field="job.id", message=f"must equal the task id {self.request.id!r}")])
        begin = self.rt.store.begin(job.id, f"{self.request.hostname}:{os.getpid()}",
                                    self.queue.max_attempts, job.generator, job.model)
        result = _OUTCOMES[begin.outcome](self, job, begin)
        if result is None:
            return None
        if result.ok and steps:
            self._continue(job, result, steps)
        return result.model_dump(mode="json")

    def _refuse(self, payload: dict[str, Any], problems: list[Problem]) -> dict[str, Any] | None:
        # A malformed message from another service: answer it with a failed result.
        result = failed_result(self.request.id, str(payload.get("generator", "")),
                               str(payload.get("model", "default")), "invalid_input",
                               "the job message does not match the protocol", problems)
        stored = self.rt.store.finish(result).result
        return stored.model_dump(mode="json") if stored else None

    def _run(self, job: Job, begin: Begin) -> Result | None:
        metrics.record_job_state(job.generator, job.model, "started")
        started = time.perf_counter()
        result = self.rt.engine.run(job)
        if result.error and result.error.message.startswith(SoftTimeLimitExceeded.__name__):
            result.error.message = (f"stopped at the soft time limit of "
                                    f"{self.queue.soft_time_limit:g}s")
        finished = self.rt.store.finish(result)
        if finished.outcome == "stored":
            metrics.record_job(result)
            log.info("%s", job_line(result, (time.perf_counter() - started) * 1000.0))
        elif finished.outcome == "cancelled":
            metrics.record_job_state(job.generator, job.model, "cancelled")
        return finished.result

    def _done(self, job: Job, begin: Begin) -> Result | None:
        return begin.result

    def _cancelled(self, job: Job, begin: Begin) -> Result | None:
        return None

    def _dead(self, job: Job, begin: Begin) -> Result | None:
        message = (f"dead-lettered after {self.queue.max_attempts} attempt(s); last error: "
                   f"{begin.last_error or 'unknown'}")
        finished = self.rt.store.finish(
            failed_result(job.id, job.generator, job.model, "internal", message), dead_letter=job)
        if finished.outcome == "stored":
            metrics.record_job_state(job.generator, job.model, "dead_lettered")
            log.error("job %s (%s) %s", job.id, job.generator, message)
        return finished.result

    def _continue(self, job: Job, result: Result, steps: list[Step]) -> None:
        """Enqueue the next step's jobs (again, if an earlier delivery died doing so)."""
        if self.rt.store.continued(job.id):
            return
        step, rest = steps[0], steps[1:]
        try:
            children = next_jobs(job, result, step)
        except MappingError as exc:
            for index in range(max(1, len(step.fan_out))):
                self.rt.store.finish(failed_result(
                    child_id(job.id, index), step.generator, step.model, "invalid_input",
                    f"chain step after {job.id}: {exc}"))
        else:
            enqueue(self.rt.app, self.rt.store, children, rest)
        self.rt.store.mark_continued(job.id)


#: What a delivery does, by the store's verdict.
_OUTCOMES = {
    "run": Delivery._run,
    "done": Delivery._done,
    "cancelled": Delivery._cancelled,
    "dead": Delivery._dead,
}
