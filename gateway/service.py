"""What the routes do, without HTTP: submit through the same code path as the Python client,
read states and results from the same store, check keys, quotas and ownership.

Everything here is synchronous (the job store and Celery are); routes call it from threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from kombu.exceptions import OperationalError
from pydantic import ValidationError
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from aigc_core import AigcError, Job, Problem, UnknownGenerator
from aigc_core.config import Settings
from aigc_core.problems import from_validation_error
from aigc_core.validation import JOB_FIELD_PROBLEMS, batch_problems
from aigc_workers.client import Client
from aigc_workers.credentials import refusal
from aigc_workers.store import JobStatus

from .auth import Caller, KeyRing
from .errors import ApiError, not_found
from .history import History
from .metrics import GatewayMetrics
from .models import JobRequest, JobView
from .owners import Owners
from .ratelimit import RateLimiter
from .review import Reviews
from .settings import gateway_settings
from .watch import Watcher


def _unknown_generator(job: Job, exc: AigcError) -> Problem:
    # Not the engine's message: it lists every generator, also those this key may not use.
    return Problem(field="generator", code="unknown_generator",
                   message=f"no generator named {job.generator!r}; GET /v1/generators lists "
                           "those this key may use")


#: Submit-time failures that are not about the input, as a problem naming the job's field.
_JOB_PROBLEMS = {**JOB_FIELD_PROBLEMS, UnknownGenerator: _unknown_generator}

def _invalid_input(problems: list[Problem]) -> ApiError:
    return ApiError(422, "invalid_input",
                    f"invalid input: {len(problems)} problem(s); nothing was queued", problems)


#: Seconds a readiness probe waits for Redis: it must answer before the prober gives up.
_PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Submitted:
    view: JobView
    replayed: bool


class Gateway:
    """One gateway process's connections and state; built by ``create_app``."""

    def __init__(self, settings: Settings):
        self.settings = gateway_settings(settings)
        self.client = Client(settings)
        queue = self.client.app.queue_settings
        redis = self.client.redis
        self.keys = KeyRing(self.settings)
        self.limiter = RateLimiter(redis, queue.prefix, self.settings.rate_window)
        self.owners = Owners(redis, queue.prefix, queue.result_expires)
        self.watcher = Watcher(self.client, self.settings.poll_interval,
                               AsyncRedis.from_url(queue.connection_url(),
                                                   **(queue.ssl_options() or {})))
        self.metrics = GatewayMetrics(self.queue_lengths)
        self.history = History(settings, self.view)
        self.reviews = Reviews(self.history, self.client, self.submit_as)
        # Without retries (redis-py's own included): a probe must answer now, not after an
        # outage or a refusal.
        self._probe = Redis.from_url(queue.connection_url(), retry=Retry(NoBackoff(), 0),
                                     socket_timeout=_PROBE_TIMEOUT,
                                     socket_connect_timeout=_PROBE_TIMEOUT,
                                     **(queue.ssl_options() or {}))

    def close(self) -> None:
        self._probe.close()
        self.history.close()
        self.client.close()

    # -- keys -----------------------------------------------------------------------------
    def charge(self, caller: Caller, cost: int = 1) -> dict[str, str]:
        """Count ``cost`` requests against the key's limit; the RateLimit headers, or 429."""
        quota = self.limiter.charge(caller.name, caller.config.rate_limit, cost)
        if not quota.allowed:
            self.metrics.rate_limited.labels(caller.name).inc()
            raise ApiError(429, "rate_limited",
                           f"key {caller.name!r} is over its limit of {quota.limit} requests "
                           f"per {self.limiter.window}s; retry in {quota.reset}s",
                           headers=quota.headers())
        return quota.headers()

    # -- jobs -----------------------------------------------------------------------------
    def submit(self, caller: Caller, requests: list[tuple[JobRequest, str | None]],
               fields: list[str]) -> list[Submitted]:
        """Validate every job (403/422 naming ``fields[i]``-prefixed fields; one bad job
        queues nothing), then queue them as the Python client does."""
        caller.check_generators([(f"{field}.generator".lstrip("."), request.generator)
                                 for field, (request, _) in zip(fields, requests, strict=True)])
        jobs = self._jobs(caller, requests, fields)
        problems = batch_problems(self.client.engine.validate, zip(fields, jobs, strict=True),
                                  explain=_JOB_PROBLEMS)
        if problems:
            raise _invalid_input(problems)
        self.owners.claim([job.id for job in jobs], caller.name)
        try:
            ids = self.client.submit_checked(jobs, submitter=caller.name)
        except (RedisError, OperationalError):
            raise  # some jobs may be queued, and a job that exists is always owned
        except Exception:
            # Failed building the messages, before anything was queued: no record may
            # stay for a job that does not exist.
            self.owners.release([job.id for job in jobs])
            raise
        for job, owner in zip(jobs, ids, strict=True):
            if owner == job.id:
                self.metrics.jobs_submitted.labels(job.generator, job.model).inc()
        # A replayed idempotency key answers with the earlier job (which this key owns).
        self.owners.release([job.id for job, owner in zip(jobs, ids, strict=True)
                             if owner != job.id])
        statuses = self.client.statuses(ids)
        return [Submitted(self.view_of(status), owner != job.id)
                for job, owner, status in zip(jobs, ids, statuses, strict=True)]

    def submit_as(self, owner: str, job: Job) -> str:
        """Queue a job made here (a reviewer's regenerate, the console's submit form) as
        ``owner``'s, as ``submit`` would: that key sees it, and the ledger records it as
        theirs. The job is valid already."""
        self.owners.claim([job.id], owner)
        return self.client.submit_checked([job], submitter=owner)[0]

    def _jobs(self, caller: Caller, requests: list[tuple[JobRequest, str | None]],
              fields: list[str]) -> list[Job]:
        """The requests as Jobs. The request models check what Jobs do; should a Job still
        refuse one, that is a 422 naming the field, before anything is recorded."""
        jobs, problems = [], []
        for field, (request, key) in zip(fields, requests, strict=True):
            try:
                jobs.append(request.to_job(self._scoped(caller, key)))
            except ValidationError as exc:
                problems += from_validation_error(exc.errors(), field)
        if problems:
            raise _invalid_input(problems)
        return jobs

    @staticmethod
    def _scoped(caller: Caller, key: str | None) -> str | None:
        # Idempotency keys are per API key: two services using the same key string must
        # not receive each other's jobs.
        return f"http:{caller.name}:{key}" if key else None

    def view(self, caller: Caller, job_id: str, to_change: bool = False) -> JobView:
        """The job's state and result; 404 for unknown jobs and other keys' jobs. A reviewer
        reads every job (it decides on any key's), but changes only its own ones unless
        ``see_all_jobs`` (``to_change``: a cancel)."""
        reads_all = caller.config.see_all_jobs or (caller.config.reviewer and not to_change)
        if not (reads_all or self.owners.owner(job_id) == caller.name):
            raise not_found(job_id)
        status = self.client.status(job_id)
        if status.state == "unknown":
            raise not_found(job_id)
        return self.view_of(status)

    def view_of(self, status: JobStatus) -> JobView:
        result = self.client.stored_result(status.id) if status.final else None
        return JobView(**status.model_dump(), result=result)

    def cancel(self, caller: Caller, job_id: str) -> JobView:
        """Cancel a job that has not finished; 409 if it had."""
        before = self.view(caller, job_id, to_change=True)
        if not self.client.cancel(job_id):
            raise ApiError(409, "conflict", f"job {job_id} had already finished: "
                                            f"{self.client.status(job_id).state}")
        return self.view(caller, before.id)

    # -- fleet ----------------------------------------------------------------------------
    def not_ready(self) -> str | None:
        """Why the gateway cannot serve now, or ``None`` when it can."""
        try:
            self._probe.ping()
        except Exception as exc:  # any failure to answer is "not ready", whatever its kind
            refused = refusal(exc, self.client.app.queue_settings)
            return "Redis is unreachable" if refused is None else refused.summary
        return None

    def queue_lengths(self) -> dict[str, int]:
        queue = self.client.app.queue_settings
        names = [queue.queue_name(model) for model in self.client.settings.models]
        with self._probe.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(name)
            return dict(zip(names, pipe.execute(), strict=True))
