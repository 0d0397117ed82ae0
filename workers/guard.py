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

import time
from collections.abc import Callable
from contextlib import ExitStack

from redis import Redis

from aigc_core.backends.base import Backend, Completion, CompletionRequest
from aigc_core.errors import BackendError

from . import metrics
from .breaker import Breaker, CircuitOpen, Verdict
from .settings import QueueSettings
from .slots import SlotPool, SlotTimeout

#: Metric kinds of transport failures, by the HTTP status class the server answered with.
_STATUS_KINDS = {4: "client_error", 5: "server_error"}
#: Metric kinds of failures without an answer, by the openai client's exception name.
_CAUSE_KINDS = {"APITimeoutError": "timeout", "APIConnectionError": "connection"}
#: Answers from a live server that asks to come back later: retried by the retry layer, but
#: never counted towards opening the breaker. Under load a busy server answers 429 to a share
#: of calls while it serves the rest; with many calls in flight, five 429s arrive before the
#: first success of a batch does, and counting them opened the breaker and failed every job.
_ALIVE_STATUSES = frozenset({429})


class GuardedBackend:
    """Wraps one backend; has the same ``kind``/``model_id`` so provenance is unchanged."""

    def __init__(self, inner: Backend, endpoint: str, breaker: Breaker,
                 slots: SlotPool | None, slot_wait: float):
        self.inner = inner
        self.kind = inner.kind
        self.model_id = inner.model_id
        self.endpoint = endpoint
        self._breaker = breaker
        self._slots = slots
        self._slot_wait = slot_wait

    def complete(self, request: CompletionRequest) -> Completion:
        with ExitStack() as held:
            if self._slots is not None:
                self._take_slot(self._slots, held)
            self._enter_breaker()
            with metrics.track_call(self.endpoint):
                try:
                    completion = self.inner.complete(request)
                except BackendError as exc:
                    self._settle(exc)
                    raise
            self._settle(None)
            return completion

    def _take_slot(self, slots: SlotPool, held: ExitStack) -> None:
        started = time.perf_counter()
        try:
            held.enter_context(slots.hold(self._slot_wait))
        except SlotTimeout:
            metrics.record_model_error(self.endpoint, "slot_timeout")
            raise
        metrics.record_slot_wait(self.endpoint, time.perf_counter() - started)

    def _enter_breaker(self) -> None:
        try:
            verdict = self._breaker.enter()
        except CircuitOpen:
            metrics.record_model_error(self.endpoint, "circuit_open")
            raise
        if verdict is Verdict.PROBE:
            metrics.record_breaker_transition(self.endpoint, "half_open")

    def _settle(self, error: BackendError | None) -> None:
        if error is not None:
            metrics.record_model_error(self.endpoint, error_kind(error))
        if error is not None and is_outage(error):
            if self._breaker.record_failure(error):
                metrics.record_breaker_transition(self.endpoint, "open")
        elif self._breaker.record_success():
            metrics.record_breaker_transition(self.endpoint, "closed")


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
        breaker = Breaker(redis, model, threshold=queue.breaker_failures,
                          reset_timeout=queue.breaker_reset, probe_timeout=queue.breaker_reset,
                          prefix=queue.prefix)
        return GuardedBackend(backend, model, breaker, slots, queue.slot_wait)

    return guard
