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

Only workers import this module: ``worker_app`` is the app of ``aigc worker``, with the task
registered and the worker's signal handlers connected (once per process, acting only for the
apps registered here). Submitters use ``app.create_app`` and ``submit.enqueue``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import weakref
from contextlib import nullcontext
from typing import Any

from billiard.process import current_process
from celery import Task
from celery.concurrency import get_implementation
from celery.concurrency.prefork import TaskPool as PreforkPool
from celery.exceptions import Reject, SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_init, worker_process_init, worker_process_shutdown
from pydantic import ValidationError
from redis.exceptions import RedisError

from aigc_core import AigcError, Engine, Job, Problem, Result
from aigc_core.config import Settings
from aigc_core.deadline import Deadline
from aigc_core.jobs import JOB_ID_PATTERN, ErrorInfo, Provenance
from aigc_core.problems import from_validation_error

from . import metrics
from .app import AigcCelery, create_app
from .connection_loss import StopOrRunOnAfterConnectionLoss
from .deferred import deferring
from .events import BatchedTaskEvents
from .guard import make_guard
from .logs import job_line
from .protocol import TASK_NAME, MappingError, Step, TaskKwargs, child_id, next_jobs
from .refusals import refusing_step
from .store import Begin, Store, connect
from .submit import enqueue
from .watchdog import Watchdog

log = logging.getLogger(__name__)

_lock = threading.Lock()

#: Seconds before the soft time limit at which a job's deadline passes.
_STOP_EARLY = 0.5


class Runtime:
    """What one worker process needs: its store, and (built on first use) its engine."""

    def __init__(self, app: AigcCelery):
        self.app = app
        self.pid = os.getpid()
        self.redis = connect(app.queue_settings)
        self.store = Store(self.redis, app.queue_settings)
        self._engine: Engine | None = None
        # Set in a worker whose pool enforces no time limits of its own (threads, solo).
        self.watchdog: Watchdog | None = None
        if not getattr(app, "aigc_pool_has_limits", True):
            settings = app.queue_settings
            self.watchdog = Watchdog(self._hard_limit_reached,
                                     exit_after=settings.soft_shutdown_timeout + 10.0)

    @property
    def engine(self) -> Engine:
        with _lock:
            if self._engine is None:
                # The outbox records queued jobs (store.py): the task never writes the ledger.
                self._engine = Engine(self.app.aigc_settings, record=False,
                                      backend_middleware=make_guard(self.app.queue_settings,
                                                                    self.redis))
            return self._engine

    def _hard_limit_reached(self, job_id: str) -> None:
        self.store.finish(hard_limit_result(job_id, self.store.status(job_id).model_dump(),
                                            self.app.queue_settings.hard_time_limit))


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


def refuse(rt: Runtime, task_id: str, payload: Any, problems: list[Problem]) -> Result | None:
    """Answer a malformed message from another service with a failed result."""
    known = payload if isinstance(payload, dict) else {}
    result = failed_result(task_id, str(known.get("generator") or ""),
                           str(known.get("model") or "default"), "invalid_input",
                           "the job message does not match the protocol (docs/jobs.md)",
                           problems)
    log.warning("refused a malformed message for job %r: %s", task_id,
                "; ".join(f"{p.field}: {p.code}" for p in problems))
    return rt.store.finish(result).result


def hard_limit_result(job_id: str, job: Any, limit: float) -> Result:
    """The failed result of a job stopped at the hard time limit (``job``: what is known of it)."""
    job = job if isinstance(job, dict) else {}
    return failed_result(job_id, str(job.get("generator") or ""),
                         str(job.get("model") or "default"), "timeout",
                         f"killed at the hard time limit of {limit:g}s")


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
        result = hard_limit_result(task_id, kwargs.get("job"),
                                   self.app.queue_settings.hard_time_limit)
        try:
            runtime(self.app).store.finish(result)
        except RedisError:
            log.exception("could not store the time-limit failure of job %s", task_id)


def worker_app(settings: Settings) -> AigcCelery:
    """The app ``aigc worker`` runs: ``create_app``'s, with the task and the worker's steps."""
    app = create_app(settings)
    register(app)
    return app


#: The apps this process registered the task on, and by the hostname of the worker running
#: each (known from ``worker_init``), since the pool signals name only the hostname. The
#: handlers below act for these apps only: other Celery apps in the process are not ours.
_registered: weakref.WeakSet[AigcCelery] = weakref.WeakSet()
_serving: dict[str, AigcCelery] = {}


def register(app: AigcCelery) -> None:
    """Register ``aigc.run_job`` and the worker's consumer steps on ``app``."""

    # Any args and kwargs: a malformed message must reach Delivery, which answers it with a
    # failed result, instead of failing Celery's signature check with a traceback.
    @app.task(name=TASK_NAME, base=RunJob, bind=True, typing=False)
    def run_job(self: RunJob, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        rt = runtime(app)
        try:
            with deferring(rt.redis):
                return Delivery(rt, self.request).handle(args, kwargs)
        except (RedisError, SoftTimeLimitExceeded) as exc:
            # Outside the model call: put the message back; the store decides on redelivery.
            raise Reject(f"job {self.request.id}: {type(exc).__name__}: {exc}",
                         requeue=True) from exc
        except Exception:
            # A bug in the worker: the operator's log gets the traceback, the job a failed
            # result without one (Celery's meta would hold the server's file paths).
            log.exception("job %r: the delivery failed", self.request.id)
            stored = rt.store.finish(failed_result(
                self.request.id, "", "default", "internal",
                "the worker failed to run this job; its log has the details")).result
            return stored.model_dump(mode="json") if stored else None

    app.steps["consumer"].add(refusing_step(
        lambda task_id, problems: refuse(runtime(app), task_id, None, problems)))
    app.steps["consumer"].add(BatchedTaskEvents)
    app.steps["consumer"].add(StopOrRunOnAfterConnectionLoss)
    _registered.add(app)
    # Celery's signals are global: connected once per process (the dispatch_uid makes a
    # second connect a no-op), never once per app.
    worker_init.connect(_note_pool, weak=False, dispatch_uid="aigc.worker_init")
    worker_process_init.connect(_load_engine, weak=False, dispatch_uid="aigc.process_init")
    worker_process_shutdown.connect(_forget_process, weak=False,
                                    dispatch_uid="aigc.process_shutdown")


def _note_pool(sender: Any = None, **_: Any) -> None:
    """``worker_init`` (sender: the worker): note which app it serves, and whether its pool
    enforces time limits (only prefork does; other pools get a watchdog)."""
    app = getattr(sender, "app", None)
    if app not in _registered:
        return
    _serving[sender.hostname] = app
    pool = get_implementation(getattr(sender, "pool_cls", None) or "prefork")
    app.aigc_pool_has_limits = isinstance(pool, type) and issubclass(pool, PreforkPool)


def _load_engine(sender: Any = None, **_: Any) -> None:
    """``worker_process_init`` (sender: the worker's hostname), in a new pool process."""
    app = _serving.get(sender)
    if app is not None:
        pin_gpu(app.queue_settings.gpus)
        warm_up(runtime(app).engine)


def _forget_process(sender: Any = None, pid: int | None = None, **_: Any) -> None:
    """``worker_process_shutdown`` (sender: the worker's hostname)."""
    if sender in _serving:
        metrics.mark_process_dead(pid or os.getpid())


class Delivery:
    """One delivery of one job message."""

    def __init__(self, rt: Runtime, request: Any):
        self.rt = rt
        self.request = request
        self.queue = rt.app.queue_settings
        self.started = time.monotonic()

    def handle(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        payload = kwargs.get("job")
        problems = _message_problems(self.request.id, args)
        try:
            message = TaskKwargs.model_validate(kwargs)
        except ValidationError as exc:
            problems += from_validation_error(exc.errors())
        else:
            if not problems and message.job.id != self.request.id:
                problems.append(Problem(field="job.id", message="must equal the task id"))
        if problems:
            return self._refuse(payload, problems)
        job, steps = message.job, message.then or []
        begin = self.rt.store.begin(job.id, f"{self.request.hostname}:{os.getpid()}",
                                    self.queue.max_attempts, job.generator, job.model)
        result = _OUTCOMES[begin.outcome](self, job, begin)
        if result is None:
            return None
        if result.ok and steps:
            self._continue(job, result, steps)
        return result.model_dump(mode="json")

    def _refuse(self, payload: Any, problems: list[Problem]) -> dict[str, Any] | None:
        stored = refuse(self.rt, self.request.id, payload, problems)
        return stored.model_dump(mode="json") if stored else None

    def _run(self, job: Job, begin: Begin) -> Result | None:
        metrics.record_job_state(job.generator, job.model, "started")
        started = time.perf_counter()
        soft_at = self.started + self.queue.soft_time_limit
        # The job stops itself a little before prefork's soft-limit signal (whose clock
        # started a moment before this delivery's), so that the signal finds it stopped.
        deadline = Deadline(self.queue.soft_time_limit, label="soft time limit",
                            at=soft_at - _STOP_EARLY)
        dog = self.rt.watchdog
        with (dog.watch(job.id, soft_at, self.started + self.queue.hard_time_limit)
              if dog is not None else nullcontext()):
            result = self.rt.engine.run(job, deadline=deadline)
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


def _message_problems(task_id: Any, args: tuple[Any, ...]) -> list[Problem]:
    """What is wrong with a message besides its kwargs: its task id and positional args."""
    problems = []
    if not (isinstance(task_id, str) and re.fullmatch(JOB_ID_PATTERN, task_id)):
        problems.append(Problem(field="id", code="string_pattern_mismatch",
                                message="the task id must be 1-128 of A-Z a-z 0-9 . _ : - "
                                        "(first a letter or digit), equal to job.id"))
    if args:
        problems.append(Problem(field="args", code="unexpected_positional_argument",
                                message='must be empty: send the job as kwargs {"job": {...}}'))
    return problems


#: What a delivery does, by the store's verdict.
_OUTCOMES = {
    "run": Delivery._run,
    "done": Delivery._done,
    "cancelled": Delivery._cancelled,
    "dead": Delivery._dead,
}
