"""The engine's backend middleware in workers: fleet-wide slots, circuit breaker, metrics.

    engine = Engine(settings, backend_middleware=make_guard(queue, redis))

Each ``complete`` call (so each attempt the retry layer makes) first takes a slot of the
endpoint's fleet-wide cap (models listed in ``queue.endpoint_limits``; others are uncapped),
then asks the endpoint's breaker, then calls the backend:

- a slot that stays busy past ``queue.slot_wait`` raises ``SlotTimeout`` (retryable: the retry
  layer backs off and asks again);
- an open breaker raises ``CircuitOpen`` (not retryable: the job fails fast, naming the
  endpoint and when it is next tried). The slot comes first so that a probe call never sits
  waiting for a slot while the rest of the fleet is refused;
- a transport failure (retryable ``BackendError``) counts towards opening the breaker; a
  completion or any other ``BackendError`` (say HTTP 400) means the endpoint answered, which
  closes it. Other exceptions (a bug, Celery's soft time limit) leave the breaker as it is.

The guard never retries: retries happen only in ``aigc_core.retry``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from redis import Redis
from redis.exceptions import RedisError

from aigc_core.backends.base import Backend, Completion, CompletionRequest
from aigc_core.errors import BackendError

from . import deferred, lua, metrics
from .breaker import Breaker, CircuitOpen, Verdict, as_text
from .settings import QueueSettings
from .slots import SlotPool, SlotTimeout

log = logging.getLogger(__name__)

#: Metric kinds of transport failures, by the HTTP status class the server answered with.
_STATUS_KINDS = {4: "client_error", 5: "server_error"}
#: Metric kinds of failures without an answer, by the openai client's exception name.
_CAUSE_KINDS = {"APITimeoutError": "timeout", "APIConnectionError": "connection"}
#: Answers from a live server that asks to come back later: retried by the retry layer, but
#: never counted towards opening the breaker. Under load a busy server answers 429 to a share
#: of calls while it serves the rest; with many calls in flight, five 429s arrive before the
#: first success of a batch does, and counting them opened the breaker and failed every job.
_ALIVE_STATUSES = frozenset({429})

Outcome = Literal["answered", "outage", "other"]


class GuardedBackend:
    """Wraps one backend; has the same ``kind``/``model_id`` so provenance is unchanged.

    Two Redis scripts per call, capped or not: one before (slot and breaker,
    ``lua/guard_before_call.lua``), one after (slot back, outcome to the breaker,
    ``lua/guard_after_call.lua``). Inside a worker's delivery the one after a successful call
    travels with the job's next script (``deferred.py``).
    """

    def __init__(self, inner: Backend, endpoint: str, redis: Redis, breaker: Breaker,
                 slots: SlotPool | None, slot_wait: float):
        self.inner = inner
        self.kind = inner.kind
        self.model_id = inner.model_id
        self.endpoint = endpoint
        self._breaker = breaker
        self._slots = slots
        self._slot_wait = slot_wait
        self._keys = [breaker.key] + ([slots.key] if slots is not None else [])
        self._redis = redis
        self._begin = lua.register(redis, "guard_before_call")
        self._end = lua.register(redis, "guard_after_call")

    def complete(self, request: CompletionRequest) -> Completion:
        token = self._enter()
        outcome: Outcome = "other"
        error: BackendError | None = None
        try:
            with metrics.track_call(self.endpoint):
                try:
                    completion = self.inner.complete(request)
                except BackendError as exc:
                    error = exc
                    metrics.record_model_error(self.endpoint, error_kind(exc))
                    outcome = "outage" if is_outage(exc) else "answered"
                    raise
            outcome = "answered"
            return completion
        finally:
            self._leave(token, outcome, error)

    def _enter(self) -> str:
        """Take a slot (capped endpoints) and pass the breaker; returns the slot's token."""
        if self._slots is None:
            self._verdict(self._ask(""))
            return ""
        started = time.perf_counter()
        try:
            token, answer = self._slots.wait(self._slot_wait, self._ask)
        except SlotTimeout:
            metrics.record_model_error(self.endpoint, "slot_timeout")
            raise
        metrics.record_slot_wait(self.endpoint, time.perf_counter() - started)
        self._verdict(answer)  # a refused call's slot was given back by the script
        self._slots.renew(token)
        return token

    def _ask(self, token: str) -> list[Any] | None:
        """One run of the begin script: ``None`` while no slot is free."""
        args: list[Any] = self._breaker.enter_args()
        if self._slots is not None:
            args += self._slots.take_args(token)
        try:
            answer = deferred.run(self._redis, self._begin, self._keys, args)
        except RedisError as exc:
            if self._slots is not None:
                raise  # the slot pool waits for Redis as for a slot
            log.warning("breaker of %s: Redis unavailable (%s); letting the call through",
                        self.endpoint, exc)
            return None
        return None if as_text(answer[0]) == "busy" else answer

    def _verdict(self, answer: list[Any] | None) -> None:
        if answer is None:  # Redis unavailable: the breaker fails open
            return
        try:
            verdict = self._breaker.verdict(answer)
        except CircuitOpen:
            metrics.record_model_error(self.endpoint, "circuit_open")
            raise
        if verdict is Verdict.PROBE:
            metrics.record_breaker_transition(self.endpoint, "half_open")

    def _leave(self, token: str, outcome: Outcome, error: BackendError | None) -> None:
        if self._slots is not None:
            self._slots.stop_renewing(token)
        args: list[Any] = [outcome, token]
        args += self._breaker.failure_args(error) if error is not None else ["", "", ""]
        # After a success the job only validates the answer before its next script (storing
        # the result, or a repair call's), so this one can go with it. Not after a failure:
        # the retry layer may sleep, and a slot must not be held through a backoff.
        if error is None and outcome == "answered" and deferred.later(
                self._end, self._keys, args, self._reported):
            return
        try:
            transition = self._end(keys=self._keys, args=args)
        except RedisError as exc:
            transition = exc
        self._reported(transition)

    def _reported(self, transition: Any) -> None:
        """The after-call script's answer: a breaker transition, or why it did not run."""
        if isinstance(transition, Exception):  # a lease expires on its own; a lost outcome
            log.warning("model endpoint %s: could not report a call to Redis (%s); a slot "
                        "it held expires on its own", self.endpoint, transition)
        elif transition:
            metrics.record_breaker_transition(self.endpoint, as_text(transition))


def is_outage(error: BackendError) -> bool:
    """Whether a failed call says the endpoint may be down (counts towards the breaker)."""
    status = getattr(error.__cause__, "status_code", None)
    return error.retryable and status not in _ALIVE_STATUSES


def error_kind(error: BackendError) -> str:
    """A short, bounded label for a failed call (for metrics; never the message)."""
    cause = error.__cause__
    status = getattr(cause, "status_code", None)
    if status == 429:
        return "rate_limited"
    if isinstance(status, int):
        return _STATUS_KINDS.get(status // 100, "http_error")
    kind = _CAUSE_KINDS.get(type(cause).__name__)
    if kind is not None:
        return kind
    return "transport" if error.retryable else "backend"


def make_guard(queue: QueueSettings, redis: Redis) -> Callable[[str, Backend], Backend]:
    """The ``backend_middleware`` for ``Engine``: guards every model by its name."""

    def guard(model: str, backend: Backend) -> Backend:
        limit = queue.endpoint_limits.get(model)
        slots = None
        if limit is not None:
            slots = SlotPool(redis, model, limit, lease_ttl=queue.slot_lease, prefix=queue.prefix)
        # A probe not back within breaker_reset lets one more probe through: harmless on a
        # slow server, and it keeps a probe whose worker died from blocking the endpoint.
        breaker = Breaker(model, threshold=queue.breaker_failures,
                          reset_timeout=queue.breaker_reset, probe_timeout=queue.breaker_reset,
                          prefix=queue.prefix)
        return GuardedBackend(backend, model, redis, breaker, slots, queue.slot_wait)

    return guard
