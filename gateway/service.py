"""What the routes do, without HTTP: submit through the same code path as the Python client,
read states and results from the same store, check keys, quotas and ownership.

Everything here is synchronous (the job store and Celery are); routes call it from threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from aigc_core import AigcError, InvalidInput, Job, Problem, UnknownGenerator, UnknownModel
from aigc_core.config import Settings
from aigc_workers.client import Client, enqueue
from aigc_workers.store import JobStatus

from .auth import Caller, KeyRing
from .errors import ApiError, not_found
from .metrics import GatewayMetrics
from .models import JobRequest, JobView
from .owners import Owners
from .ratelimit import RateLimiter
from .settings import gateway_settings
from .watch import Watcher


def _unknown_generator(job: Job, exc: AigcError) -> Problem:
    # Not the engine's message: it lists every generator, also those this key may not use.
    return Problem(field="generator", code="unknown_generator",
                   message=f"no generator named {job.generator!r}; GET /v1/generators lists "
                           "those this key may use")


def _unknown_model(job: Job, exc: AigcError) -> Problem:
    return Problem(field="model", code="unknown_model", message=str(exc))


#: Submit-time failures that are not about the input, as a problem naming the job's field.
_JOB_PROBLEMS = {UnknownGenerator: _unknown_generator, UnknownModel: _unknown_model}

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
        redis = self.client.store.redis
        self.keys = KeyRing(self.settings)
        self.limiter = RateLimiter(redis, queue.prefix, self.settings.rate_window)
        self.owners = Owners(redis, queue.prefix, queue.result_expires)
        self.watcher = Watcher(self.client.store, self.settings.poll_interval,
                               AsyncRedis.from_url(queue.connection_url(),
                                                   **(queue.ssl_options() or {})))
        self.metrics = GatewayMetrics(self.queue_lengths)
        # Without the store client's retries: a probe must answer now, not after an outage.
        self._probe = Redis.from_url(queue.connection_url(), socket_timeout=_PROBE_TIMEOUT,
                                     socket_connect_timeout=_PROBE_TIMEOUT,
                                     **(queue.ssl_options() or {}))

    def close(self) -> None:
        self._probe.close()
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
        jobs = [request.to_job(self._scoped(caller, key)) for request, key in requests]
        problems = [problem for field, job in zip(fields, jobs, strict=True)
                    for problem in self._problems(job, field)]
        if problems:
            raise ApiError(422, "invalid_input",
                           f"invalid input: {len(problems)} problem(s); nothing was queued",
                           problems)
        self.owners.claim([job.id for job in jobs], caller.name)
        ids = enqueue(self.client.app, self.client.store, jobs)
        for job, owner in zip(jobs, ids, strict=True):
            if owner == job.id:
                self.metrics.jobs_submitted.labels(job.generator, job.model).inc()
        # A replayed idempotency key answers with the earlier job (which this key owns).
        self.owners.release([job.id for job, owner in zip(jobs, ids, strict=True)
                             if owner != job.id])
        statuses = self.client.store.statuses(ids)
        return [Submitted(self.view_of(status), owner != job.id)
                for job, owner, status in zip(jobs, ids, statuses, strict=True)]

    @staticmethod
    def _scoped(caller: Caller, key: str | None) -> str | None:
        # Idempotency keys are per API key: two services using the same key string must
        # not receive each other's jobs.
        return f"http:{caller.name}:{key}" if key else None

    def _problems(self, job: Job, prefix: str) -> list[Problem]:
        try:
            self.client.engine.validate(job)
        except InvalidInput as exc:
            found = exc.problems
        except (UnknownGenerator, UnknownModel) as exc:
            found = [_JOB_PROBLEMS[type(exc)](job, exc)]
        else:
            return []
        return [p.model_copy(update={"field": ".".join(filter(None, (prefix, p.field)))})
                for p in found]

    def view(self, caller: Caller, job_id: str) -> JobView:
        """The job's state and result; 404 for unknown jobs and other keys' jobs."""
        if not (caller.config.see_all_jobs or self.owners.owner(job_id) == caller.name):
            raise not_found(job_id)
        status = self.client.status(job_id)
        if status.state == "unknown":
            raise not_found(job_id)
        return self.view_of(status)

    def view_of(self, status: JobStatus) -> JobView:
        result = self.client.store.result(status.id) if status.final else None
        return JobView(**status.model_dump(), result=result)

    def cancel(self, caller: Caller, job_id: str) -> JobView:
        """Cancel a job that has not finished; 409 if it had."""
        before = self.view(caller, job_id)
        outcome = self.client.store.cancel(job_id)
        if outcome != "cancelled":
            raise ApiError(409, "conflict", f"job {job_id} had already finished: {outcome}")
        return self.view(caller, before.id)

    # -- fleet ----------------------------------------------------------------------------
    def ready(self) -> bool:
        try:
            return bool(self._probe.ping())
        except Exception:  # any failure to answer is "not ready", whatever its kind
            return False

    def queue_lengths(self) -> dict[str, int]:
        queue = self.client.app.queue_settings
        names = [queue.queue_name(model) for model in self.client.settings.models]
        with self._probe.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(name)
            return dict(zip(names, pipe.execute(), strict=True))
