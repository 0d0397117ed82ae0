"""Job state in Redis: what makes at-least-once delivery safe to run.

Keys (``P`` is ``queue.prefix``; all expire ``result_expires`` seconds after their last write):

- ``P:job:ID`` (hash): ``state``, ``generator``, ``model``, ``queue``, ``attempts``,
  ``worker``, ``last_error``, ``dead_letter``, ``submitted_at``, ``started_at``,
  ``finished_at``, ``continued``.
- ``P:result:ID``: the Result JSON. Written with ``SET NX``: the first stored result wins, so a
  job delivered twice never has two results, and the second delivery returns the first's.
- ``P:idem:KEY``: the id of the job first submitted with idempotency key ``KEY``.
- ``P:dead``: the dead-letter list (newest first) of jobs that used up ``max_attempts``.
- ``P:done:ID``: a Pub/Sub channel, not a key: storing a result or a cancel publishes the
  job's final state on it, so waiting clients wake at once (``completions.py``).
- ``celery-task-meta-ID``: the job's result as Celery's Redis result backend keeps it, for
  clients that use only Celery (docs/jobs.md): the Result JSON, or ``null`` for a cancelled
  job, with state ``SUCCESS``, written and published by the same scripts (so the task itself
  ignores its result: Celery would read the key and write it again, two more round trips).

Every change of state is one Lua script, so concurrent workers, clients and cancels never see
half an update (e.g. a cancel and a finishing worker race; exactly one of them wins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import AuthenticationError, AuthorizationError
from redis.retry import Retry

from aigc_core import Job, Result

from . import deferred
from .protocol import CELERY_RESULT_PREFIX
from .settings import QueueSettings

#: States a job moves through; the last three are final.
JobState = Literal["unknown", "queued", "started", "retrying", "succeeded", "failed", "cancelled"]
FINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})

#: Cap on the dead-letter list: an operator reads the newest; a flood must not fill Redis.
DEAD_LETTER_CAP = 10_000

#: KEYS: job, idem, queue. ARGV: id, message envelope, generator, model, queue, now, ttl.
#: Registers the job and pushes its message onto the queue's list, in one step: a job is
#: queued exactly when it is registered. Returns the id that owns the idempotency key (ours
#: unless an earlier submit took it); a job id known already (a chain step enqueued again by
#: a redelivered parent) is not queued twice.
_REGISTER = """
if KEYS[2] ~= '' then
  local owner = redis.call('GET', KEYS[2])
  if owner then return owner end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[7])
end
if redis.call('HSETNX', KEYS[1], 'state', 'queued') == 1 then
  redis.call('HSET', KEYS[1], 'generator', ARGV[3], 'model', ARGV[4], 'queue', ARGV[5],
             'submitted_at', ARGV[6])
  redis.call('LPUSH', KEYS[3], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[7])
return ARGV[1]
"""

#: KEYS: job, result. ARGV: worker, now, max attempts, ttl, generator, model.
#: Returns {outcome, payload}: done (stored result), cancelled, dead (last error), run (the
#: attempt is counted). A delivery that finds an attempt counted but no result knows that
#: attempt was lost, and records why as the job's last error.
_BEGIN = """
local stored = redis.call('GET', KEYS[2])
if stored then return {'done', stored} end
if redis.call('HGET', KEYS[1], 'state') == 'cancelled' then return {'cancelled', ''} end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if attempts > 0 then
  redis.call('HSET', KEYS[1], 'last_error', 'attempt ' .. attempts .. ' on ' ..
             (redis.call('HGET', KEYS[1], 'worker') or '?') .. ' ended without a result ' ..
             '(its worker process died, was killed at the hard time limit, or lost Redis)')
end
redis.call('HSETNX', KEYS[1], 'generator', ARGV[5])
redis.call('HSETNX', KEYS[1], 'model', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if attempts >= tonumber(ARGV[3]) then
  return {'dead', redis.call('HGET', KEYS[1], 'last_error')}
end
local state = 'started'
if attempts > 0 then state = 'retrying' end
redis.call('HSET', KEYS[1], 'state', state, 'attempts', attempts + 1, 'worker', ARGV[1],
           'started_at', ARGV[2])
return {'run', ''}
"""

#: Stores and publishes Celery's task meta for a final job, as its Redis result backend does.
#: The Result JSON is spliced in as it is: decoding and encoding it with cjson would round its
#: floats.
_CELERY_RESULT = """
local function celery_result(key, task_id, result, now, ttl)
  local meta = '{"status": "SUCCESS", "result": ' .. result .. ', "traceback": null, ' ..
    '"children": [], "date_done": "' .. now .. '", "task_id": ' .. cjson.encode(task_id) .. '}'
  redis.call('SET', key, meta, 'EX', ttl)
  redis.call('PUBLISH', key, meta)
end
"""

#: KEYS: job, result, dead-letter list, done channel, Celery meta. ARGV: result json, final
#: state, now, ttl, dead-letter entry json ('' for none), dead-letter cap, job id. Returns
#: {outcome, result}: stored (ours, not sent back), existing (an earlier one won), cancelled.
#: A dead-letter entry is written in the same step as the result, so nobody sees one without
#: the other, whatever dies in between.
_FINISH = _CELERY_RESULT + """
local stored = redis.call('GET', KEYS[2])
if stored then return {'existing', stored} end
if redis.call('HGET', KEYS[1], 'state') == 'cancelled' then return {'cancelled', ''} end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'finished_at', ARGV[3])
if ARGV[5] ~= '' then
  local entry = cjson.decode(ARGV[5])
  entry['attempts'] = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
  redis.call('HSET', KEYS[1], 'dead_letter', 1)
  redis.call('LPUSH', KEYS[3], cjson.encode(entry))
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
celery_result(KEYS[5], ARGV[7], ARGV[1], ARGV[3], ARGV[4])
redis.call('PUBLISH', KEYS[4], ARGV[2])
return {'stored', ''}
"""

#: KEYS: job, result, done channel, Celery meta. ARGV: now, ttl, job id. Returns cancelled, or
#: the final state it already had.
_CANCEL = _CELERY_RESULT + """
local state = redis.call('HGET', KEYS[1], 'state')
if redis.call('EXISTS', KEYS[2]) == 1 or state == 'cancelled' then return state end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
celery_result(KEYS[4], ARGV[3], 'null', ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[3], 'cancelled')
return 'cancelled'
"""


class _OutageRetry(Retry):
    """Retries while Redis is unreachable; never a refused login, which will not heal."""

    def call_with_retry(self, do: Any, fail: Any, is_retryable: Any = None,
                        with_failure_count: bool = False) -> Any:
        def retryable(error: Exception) -> bool:
            if isinstance(error, (AuthenticationError, AuthorizationError)):
                return False
            return is_retryable is None or is_retryable(error)

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


class JobStatus(BaseModel):
    """What ``status(id)`` reports."""

    id: str
    state: JobState = Field(description="unknown: never submitted, or expired.")
    generator: str | None = None
    model: str | None = None
    queue: str | None = None
    attempts: int = Field(0, description="Deliveries that started running the job.")
    worker: str | None = Field(None, description="host:pid of the latest attempt.")
    last_error: str | None = Field(None, description="Why the previous attempt was lost.")
    dead_letter: bool = Field(False, description="Failed because it used up max_attempts.")
    submitted_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def _parse_status(job_id: str, row: dict[bytes, bytes]) -> JobStatus:
    fields = {key.decode(): value.decode() for key, value in row.items()}
    if not fields:
        return JobStatus(id=job_id, state="unknown")
    return JobStatus(id=job_id, **{k: v for k, v in fields.items() if k in JobStatus.model_fields})


class DeadLetter(BaseModel):
    job_id: str
    generator: str
    model: str
    attempts: int
    error: str
    at: datetime


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
        self._register = redis.register_script(_REGISTER)
        self._begin = redis.register_script(_BEGIN)
        self._finish = redis.register_script(_FINISH)
        self._cancel = redis.register_script(_CANCEL)

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

    # -- submit side ----------------------------------------------------------------------
    def register(self, entries: list[tuple[Job, str, str]]) -> list[str]:
        """For each ``(job, queue, envelope)``: record the job as queued and push its message
        ``envelope`` (envelope.py) onto the Redis list ``queue``, atomically, all in one round
        trip. Returns, per job, the id owning its idempotency key: another job's if an
        earlier submit took the key (then nothing was queued for it)."""
        calls = [
            ([self._job_key(job.id),
              f"{self.prefix}:idem:{job.idempotency_key}" if job.idempotency_key else "", queue],
             [job.id, envelope, job.generator, job.model, queue, _now(), self.ttl])
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
                                   self.done_channel(job_id), celery_result_key(job_id)],
                             args=[_now(), self.ttl, job_id])
        return state.decode() if state else "unknown"

    # -- worker side ----------------------------------------------------------------------
    def begin(self, job_id: str, worker: str, max_attempts: int, generator: str,
              model: str) -> Begin:
        """Count a delivery and say whether to run it."""
        outcome, payload = self._begin(
            keys=[self._job_key(job_id), self._result_key(job_id)],
            args=[worker, _now(), max_attempts, self.ttl, generator, model],
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
                  self.done_channel(result.job_id), celery_result_key(result.job_id)],
            args=[result.model_dump_json(), result.status, _now(), self.ttl, entry,
                  DEAD_LETTER_CAP, result.job_id],
        )
        outcome = outcome.decode()
        if outcome == "stored":
            return Finish(outcome, result)
        return Finish(outcome, Result.model_validate_json(payload) if payload else None)

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
