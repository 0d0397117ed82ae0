"""The Python API for queued jobs: submit, watch, collect, cancel.

    from aigc_core import Job
    from aigc_workers.client import Client

    client = Client()                                   # settings from aigc.toml / AIGC_*
    job_id = client.submit(Job(generator="news.headlines", input={"topic": "tides"}))
    result = client.result(job_id, timeout=120)         # waits for a worker

Input is validated here, before anything is queued (the generator's plugin is loaded, no
model is), so a bad input never reaches a worker. See docs/jobs.md for workflows (fan-out, chains).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from aigc_core import Engine, InvalidInput, Job, Problem, Result
from aigc_core.config import Settings, load_settings
from aigc_core.errors import AigcError
from aigc_core.validation import check_batch

from .app import create_app
from .completions import Completions
from .job_state import DeadLetter, JobStatus
from .protocol import Step, child_id
from .store import Store, connect
from .submit import Workflow, chain_tree, enqueue
from .validators import Validators

if TYPE_CHECKING:
    from redis import Redis

_POLL_MIN = 0.005
_POLL_MAX = 0.5


class JobCancelled(AigcError):
    def __init__(self, job_id: str):
        super().__init__(f"job {job_id} was cancelled; it has no result")


class JobNotFinished(AigcError, TimeoutError):
    def __init__(self, job_id: str, status: JobStatus, waited: float):
        self.status = status
        super().__init__(f"job {job_id} is {status.state} after {waited:.1f}s "
                         f"(attempts: {status.attempts})")


class Client:
    """Submits jobs to the worker fleet and reads their states and results. Thread-safe."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        self.app = create_app(self.settings)
        self.store = Store(connect(self.app.queue_settings), self.app.queue_settings)
        self._validators = Validators(self.settings)

    @property
    def engine(self) -> Engine:
        """For validation only: loads every plugin, never a model."""
        return self._validators.full

    def engine_for(self, generator: str) -> Engine:
        """For validating ``generator``'s jobs: loads only its plugin where it can (a one-shot
        submit then imports one plugin, not all of them; validators.py), never a model."""
        return self._validators.for_generator(generator)

    def validate(self, job: Job) -> BaseModel:
        """Check a job as ``Engine.validate`` does; returns its validated input."""
        return self.engine_for(job.generator).validate(job)

    def close(self) -> None:
        self.store.redis.close()
        self.app.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- submitting -----------------------------------------------------------------------
    def submit(self, job: Job) -> str:
        """Validate and queue ``job``; returns its id (or, for a repeated idempotency key,
        the id of the job first submitted with it). Raises ``InvalidInput`` before queueing."""
        self.validate(job)
        return enqueue(self.app, self.store, [job])[0]

    def submit_batch(self, jobs: Iterable[Job]) -> list[str]:
        """Validate every job first (one bad input queues nothing: ``InvalidBatch`` names each
        bad field as ``jobs[3].input.text``), then queue them all."""
        jobs = list(jobs)
        check_batch(self.validate, ((f"jobs[{i}]", job) for i, job in enumerate(jobs)), "batch")
        return self.submit_checked(jobs)

    def submit_checked(self, jobs: list[Job], submitter: str | None = None) -> list[str]:
        """Queue jobs the caller has validated already, as ``submit_batch`` does after its
        checks (the gateway checks what each API key may use as well, and names the key as
        the ``submitter`` the ledger records)."""
        return enqueue(self.app, self.store, jobs, submitter=submitter)

    def fan_out(self, job: Job, overrides: list[dict[str, Any]]) -> Workflow:
        """One job per item of ``overrides`` (input fields laid over ``job.input``), e.g. a
        translation into several languages or A/B variants of an ad."""
        if not overrides:
            raise InvalidInput(job.generator, [Problem(field="overrides", message="is empty")])
        jobs = [
            job.model_copy(update={"id": child_id(job.id, index),
                                   "input": {**job.input, **override},
                                   "idempotency_key": None})
            for index, override in enumerate(overrides)
        ]
        ids = self.submit_batch(jobs)
        return Workflow(job.id, dict.fromkeys(ids))

    def chain(self, job: Job, steps: list[Step]) -> Workflow:
        """``job``, then each step on every successful result of the step before, e.g.
        article -> summary -> translations. Mapped fields are validated when a step runs."""
        self.validate(job)
        for index, step in enumerate(steps):
            self._check_step(index, step)
        [root] = enqueue(self.app, self.store, [job], steps)
        return Workflow(root, chain_tree(root, steps))

    def _check_step(self, index: int, step: Step) -> None:
        self.engine_for(step.generator).generator(step.generator)
        if step.model not in self.settings.models:
            raise InvalidInput(step.generator, [Problem(
                field=f"steps[{index}].model", message=f"no model named {step.model!r}")])

    # -- watching -------------------------------------------------------------------------
    def status(self, job_id: str) -> JobStatus:
        return self.store.status(job_id)

    def statuses(self, job_ids: list[str]) -> list[JobStatus]:
        """Many jobs' states in one round trip."""
        return self.store.statuses(job_ids)

    def stored_result(self, job_id: str) -> Result | None:
        """The job's result as stored now, without waiting: ``None`` while it has none (not
        finished, cancelled, expired)."""
        return self.store.result(job_id)

    def done_channel(self, job_id: str) -> str:
        """The Pub/Sub channel on which the job's final state is published."""
        return self.store.done_channel(job_id)

    @property
    def redis(self) -> Redis:
        """The job store's connection, for keys kept beside the jobs (the gateway's rate
        limits and job owners)."""
        return self.store.redis

    def result(self, job_id: str, timeout: float | None = 0.0) -> Result:
        """The job's result, waiting up to ``timeout`` seconds (``None``: as long as it takes).

        Raises ``JobNotFinished`` when it has none yet, ``JobCancelled`` if it was cancelled.
        """
        results = self.wait([job_id], timeout)
        result = results[job_id]
        if result is None:
            raise JobCancelled(job_id)
        return result

    def wait(self, job_ids: list[str], timeout: float | None = None,
             progress: Callable[[int], None] | None = None) -> dict[str, Result | None]:
        """Wait for every job to finish; ``None`` for cancelled ones. ``progress(n)`` is called
        with the number of newly finished jobs as they finish."""
        return self._poll(Workflow("", dict.fromkeys(job_ids)), timeout, progress)

    def collect(self, workflow: Workflow, timeout: float | None = None) -> dict[str, Result | None]:
        """Every job's result, in order; ``None`` for a job that was cancelled or never ran
        because a job before it in the chain did not succeed."""
        return self._poll(workflow, timeout, None)

    def cancel(self, job_id: str) -> bool:
        """Cancel a job that has not finished: a queued one never runs, a running one's result
        is discarded. False if it had already finished."""
        return self.store.cancel(job_id) == "cancelled"

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        return self.store.dead_letters(limit)

    def _poll(self, workflow: Workflow, timeout: float | None,
              progress: Callable[[int], None] | None) -> dict[str, Result | None]:
        started = time.monotonic()
        settled: dict[str, Result | None] = {}
        final: dict[str, str] = {}
        pause = _POLL_MIN
        with Completions(self.store, list(workflow.parents)) as completions:
            while True:
                pending = [job_id for job_id in workflow.parents if job_id not in settled]
                before = len(settled)
                for status in self.store.statuses(pending):
                    parent = workflow.parents[status.id]
                    if status.final:
                        final[status.id] = status.state
                        settled[status.id] = (None if status.state == "cancelled"
                                              else self.store.result(status.id))
                    elif parent in final and not _continued(settled[parent]):
                        final[status.id] = "skipped"  # its parent failed: it will never exist
                        settled[status.id] = None
                if progress is not None and len(settled) > before:
                    progress(len(settled) - before)
                if len(settled) == len(workflow.parents):
                    return {job_id: settled[job_id] for job_id in workflow.parents}
                waited = time.monotonic() - started
                if timeout is not None and waited >= timeout:
                    first = next(job_id for job_id in workflow.parents if job_id not in settled)
                    raise JobNotFinished(first, self.store.status(first), waited)
                # Subscribed, a finish wakes us; reading again every _POLL_MAX is the safety
                # net. Otherwise back off from _POLL_MIN.
                if completions.live:
                    pause = _POLL_MAX
                completions.wait(pause if timeout is None else min(pause, timeout - waited))
                pause = min(_POLL_MAX, pause * 1.5)


def _continued(parent: Result | None) -> bool:
    """Whether a chain went on after this step: workers continue after a succeeded result,
    whatever review then makes of it (its job may be awaiting_review)."""
    return parent is not None and parent.status == "succeeded"
