"""Job state in Redis: what makes at-least-once delivery safe to run.

Keys (``P`` is ``queue.prefix``; all expire ``result_expires`` seconds after their last write):

- ``P:job:ID`` (hash): ``state``, ``generator``, ``model``, ``queue``, ``attempts``,
  ``worker``, ``last_error``, ``dead_letter``, ``submitted_at``, ``started_at``,
  ``finished_at``, ``continued``; ``review`` and ``review_failed`` for a job under review
  (docs/review.md), ``reviewed_at`` once a reviewer decided.
- ``P:result:ID``: the Result JSON. Written with ``SET NX``: the first stored result wins, so a
  job delivered twice never has two results, and the second delivery returns the first's.
- ``P:idem:KEY``: the id of the job first submitted with idempotency key ``KEY``.
- ``P:dead``: the dead-letter list (newest first) of jobs that used up ``max_attempts``.
- ``P:ledger``: the ledger's outbox (a stream; ``queue.ledger_outbox``): an entry per job
  queued (with the job), per delivery started, per result stored (with the result), per
  cancel, appended by the script that makes the change; ``ledger_sync.py`` drains it into the
  ledger's database. Not expiring: it holds what the database has not yet received, up to
  ``ledger_outbox_max`` entries.
- ``P:done:ID``: a Pub/Sub channel, not a key: storing a result or a cancel publishes the
  job's final state on it, so waiting clients wake at once (``completions.py``).
- ``celery-task-meta-ID``: the job's result as Celery's Redis result backend keeps it, for
  clients that use only Celery (docs/jobs.md): the Result JSON, or ``null`` for a cancelled
  job, with state ``SUCCESS``, written and published by the same scripts (so the task itself
  ignores its result: Celery would read the key and write it again, two more round trips).

Every change of state is one Lua script (``lua/register_job.lua``, ``begin_delivery.lua``,
``finish_job.lua``, ``cancel_job.lua``, ``review_job.lua``), so concurrent workers, clients
and cancels never see half an update (e.g. a cancel and a finishing worker race; exactly one
of them wins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from aigc_core import Job, Result
from aigc_core.review.settings import ReviewSettings

from . import credentials, deferred, lua
from .job_state import DeadLetter, JobStatus
from .protocol import CELERY_RESULT_PREFIX
from .settings import QueueSettings

#: Cap on the dead-letter list: an operator reads the newest; a flood must not fill Redis.
DEAD_LETTER_CAP = 10_000


class _OutageRetry(Retry):
    """Retries while Redis is unreachable; never a refused login or certificate, which will
    not heal (``credentials``)."""

    def call_with_retry(self, do: Any, fail: Any, is_retryable: Any = None,
                        with_failure_count: bool = False) -> Any:
        def retryable(error: Exception) -> bool:
            return credentials.is_transient(error) and (is_retryable is None
                                                        or is_retryable(error))

        return super().call_with_retry(do, fail, retryable, with_failure_count)


def connect(settings: QueueSettings) -> Redis:
    """A Redis client that rides out a restart: commands retry with backoff for ~30 s."""
    return Redis.from_url(
        settings.connection_url(),
        retry=_OutageRetry(ExponentialWithJitterBackoff(cap=2.0, base=0.05), retries=20),
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=10,
        **(settings.ssl_options() or {}),
    )


def celery_result_key(job_id: str) -> str:
    """Where Celery's clients read the job's result (``AsyncResult(id).get()``)."""
    return CELERY_RESULT_PREFIX + job_id


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _parse_status(job_id: str, row: dict[bytes, bytes]) -> JobStatus:
    fields = {key.decode(): value.decode() for key, value in row.items()}
    if not fields:
        return JobStatus(id=job_id, state="unknown")
    return JobStatus(id=job_id, **{k: v for k, v in fields.items() if k in JobStatus.model_fields})


def _review_args(review: ReviewSettings, job: Job, submitter: str | None) -> list[str]:
    mode = review.mode_for(job.generator, job.model, submitter)
    return ["" if mode == "off" else mode, "1" if review.failed else ""]


@dataclass(frozen=True)
class Begin:
    """What a delivery should do: ``run`` the job, or not (``done``/``cancelled``/``dead``)."""

    outcome: Literal["run", "done", "cancelled", "dead"]
    result: Result | None = None
    last_error: str = ""


@dataclass(frozen=True)
class Finish:
    outcome: Literal["stored", "existing", "cancelled"]
    result: Result | None


class Store:
    """Job state, results, idempotency keys and the dead-letter list of one fleet."""

    def __init__(self, redis: Redis, settings: QueueSettings):
        self.redis = redis
        self.prefix = settings.prefix
        self.ttl = settings.result_expires
        self.outbox = self.outbox_key(settings.prefix) if settings.ledger_outbox else ""
        self.outbox_max = settings.ledger_outbox_max
        self._register = lua.register(redis, "register_job")
        self._begin = lua.register(redis, "begin_delivery")
        self._finish = lua.register(redis, "finish_job")
        self._cancel = lua.register(redis, "cancel_job")
        self._review = lua.register(redis, "review_job")

    def _job_key(self, job_id: str) -> str:
        return f"{self.prefix}:job:{job_id}"

    def _result_key(self, job_id: str) -> str:
        return f"{self.prefix}:result:{job_id}"

    def done_channel(self, job_id: str) -> str:
        """The Pub/Sub channel on which the job's final state is published."""
        return f"{self.prefix}:done:{job_id}"

    @property
    def _dead_key(self) -> str:
        return f"{self.prefix}:dead"

    @staticmethod
    def outbox_key(prefix: str) -> str:
        """The ledger outbox stream of the fleet with this ``queue.prefix``."""
        return f"{prefix}:ledger"

    # -- submit side ----------------------------------------------------------------------
    def register(self, entries: list[tuple[Job, str, str]], submitter: str | None = None,
                 review: ReviewSettings | None = None) -> list[str]:
        """For each ``(job, queue, envelope)``: record the job as queued and push its message
        ``envelope`` (envelope.py) onto the Redis list ``queue``, atomically, all in one round
        trip. Returns, per job, the id owning its idempotency key: another job's if an
        earlier submit took the key (then nothing was queued for it). ``submitter`` (an API
        key's name) goes to the ledger with the jobs; ``review`` decides each job's review
        mode, kept with it (its run then ends ``awaiting_review`` under required review)."""
        review = review or ReviewSettings()
        calls = [
            ([self._job_key(job.id),
              f"{self.prefix}:idem:{job.idempotency_key}" if job.idempotency_key else "", queue,
              self.outbox],
             [job.id, envelope, job.generator, job.model, queue, _now(), self.ttl,
              job.model_dump_json() if self.outbox else "", self.outbox_max, submitter or "",
              *_review_args(review, job, submitter)])
            for job, queue, envelope in entries
        ]
        if len(calls) == 1:
            # A pipeline first asks Redis whether its scripts are loaded: one more round trip.
            [(keys, args)] = calls
            return [self._register(keys=keys, args=args).decode()]
        with self.redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                self._register(keys=keys, args=args, client=pipe)
            return [owner.decode() for owner in pipe.execute()]

    def cancel(self, job_id: str) -> str:
        """Cancel unless already final; returns ``cancelled`` or the state it had."""
        state = self._cancel(keys=[self._job_key(job_id), self._result_key(job_id),
                                   self.done_channel(job_id), celery_result_key(job_id),
                                   self.outbox],
                             args=[_now(), self.ttl, job_id, self.outbox_max])
        return state.decode() if state else "unknown"

    # -- worker side ----------------------------------------------------------------------
    def begin(self, job_id: str, worker: str, max_attempts: int, generator: str,
              model: str) -> Begin:
        """Count a delivery and say whether to run it."""
        outcome, payload = self._begin(
            keys=[self._job_key(job_id), self._result_key(job_id), self.outbox],
            args=[worker, _now(), max_attempts, self.ttl, generator, model, job_id,
                  self.outbox_max],
        )
        outcome = outcome.decode()
        if outcome == "done":
            return Begin("done", Result.model_validate_json(payload))
        return Begin(outcome, last_error=payload.decode())

    def finish(self, result: Result, dead_letter: Job | None = None) -> Finish:
        """Store a result unless one is stored already (first wins) or the job was cancelled;
        with ``dead_letter``, also list the job as dead-lettered, atomically."""
        entry = ""
        if dead_letter is not None:
            entry = json.dumps({"job_id": dead_letter.id, "generator": dead_letter.generator,
                                "model": dead_letter.model, "at": _now(),
                                "error": result.error.message if result.error else ""})
        outcome, payload = deferred.run(
            self.redis, self._finish,
            keys=[self._job_key(result.job_id), self._result_key(result.job_id), self._dead_key,
                  self.done_channel(result.job_id), celery_result_key(result.job_id),
                  self.outbox],
            args=[result.model_dump_json(), result.status, _now(), self.ttl, entry,
                  DEAD_LETTER_CAP, result.job_id, self.outbox_max],
        )
        outcome = outcome.decode()
        if outcome == "stored":
            return Finish(outcome, result)
        return Finish(outcome, Result.model_validate_json(payload) if payload else None)

    def review(self, job_id: str, state: str, result: Result | None = None) -> bool:
        """Record a reviewer's decision (approved, rejected) on the job, with the result to
        publish when an edit replaced the model's; waiting clients wake. Whether the store
        still held the job (an expired one lives on in the ledger only)."""
        return bool(self._review(
            keys=[self._job_key(job_id), self._result_key(job_id), self.done_channel(job_id),
                  celery_result_key(job_id)],
            args=[state, result.model_dump_json() if result is not None else "", _now(),
                  job_id]))

    def continued(self, job_id: str) -> bool:
        """Whether the job's follow-up steps were enqueued (by an earlier delivery)."""
        return bool(self.redis.hexists(self._job_key(job_id), "continued"))

    def mark_continued(self, job_id: str) -> None:
        self.redis.hset(self._job_key(job_id), "continued", _now())

    # -- reading --------------------------------------------------------------------------
    def status(self, job_id: str) -> JobStatus:
        return self.statuses([job_id])[0]

    def statuses(self, job_ids: list[str]) -> list[JobStatus]:
        """Many jobs' states in one round trip (batches poll these)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hgetall(self._job_key(job_id))
            rows = pipe.execute()
        return [_parse_status(job_id, row) for job_id, row in zip(job_ids, rows, strict=True)]

    def result(self, job_id: str) -> Result | None:
        payload = self.redis.get(self._result_key(job_id))
        return Result.model_validate_json(payload) if payload else None

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        return [DeadLetter.model_validate_json(item)
                for item in self.redis.lrange(self._dead_key, 0, limit - 1)]
